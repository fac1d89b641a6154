#include "consent/policy.h"

namespace confide {

Grant Decide(LegalBasis basis, const ConsentState& state, Purpose purpose, Micros now, bool gpc_signal,
             std::string subject) {
  bool allowed = basis == LegalBasis::kOptOut;
  if (const auto& d = state.purposes[static_cast<size_t>(purpose)]) {
    if (!d->granted) allowed = false;
    else if (!d->expires || now < *d->expires) allowed = true;
    // An expired grant leaves the legal basis' default in force.
  }
  if (purpose == Purpose::kMarketing && gpc_signal) allowed = false;
  if (!allowed) return Grant(purpose, {}, std::move(subject), state.gpc);
  return Grant(purpose, CategorySet::All().Without(state.category_opt_outs).Without(NeverAllowed(purpose)),
               std::move(subject), state.gpc);
}

bool MayAdvertiseIn(const Grant& personalization, const Grant& marketing) {
  return personalization.any() && marketing.any() && marketing.subject() == personalization.subject() &&
         personalization.categories().Without(marketing.categories()).empty();
}

}  // namespace confide
