// The consent policy: may this shopper's data be used for this purpose now,
// and which categories of it?
//
// A Grant is the only key to a shopper's personal data: the cell's personal
// read paths take one and return only the categories it allows, and only
// Decide() can make one. A grant with no categories means "take the
// non-personalized path". Grants are small values, valid for the request
// that asked for them; withdrawal therefore takes effect on the next one.
#pragma once

#include <string>

#include "consent/consent_record.h"
#include "core/config.h"

namespace confide {

class Grant {
 public:
  Purpose purpose() const { return purpose_; }
  // Whose data: an opaque shopper key, so a grant cannot be used for
  // another shopper's reads.
  const std::string& subject() const { return subject_; }
  CategorySet categories() const { return categories_; }
  bool Allows(DataCategory c) const { return categories_.Contains(c); }
  // False: nothing may be used; the caller serves the non-personalized path.
  bool any() const { return !categories_.empty(); }
  // The shopper sent Global Privacy Control once (ConsentState::gpc), even
  // if a later grant overrides it for their own requests: exports to
  // recipients outside Confide (audiences) leave them out.
  bool gpc_on_record() const { return gpc_on_record_; }

 private:
  Grant(Purpose purpose, CategorySet categories, std::string subject, bool gpc_on_record)
      : purpose_(purpose), categories_(categories), subject_(std::move(subject)), gpc_on_record_(gpc_on_record) {}
  friend Grant Decide(LegalBasis, const ConsentState&, Purpose, Micros, bool, std::string);

  Purpose purpose_;
  CategorySet categories_;
  std::string subject_;
  bool gpc_on_record_ = false;
};

// Decides from the region's legal basis and the shopper's consent state:
// - opt_in: nothing until the purpose is granted; opt_out: granted until
//   refused. The latest decision for the purpose wins.
// - A grant counts only until its expiry; after it the legal basis' default
//   applies again (nothing under opt_in). Refusals do not expire.
// - `gpc_signal`: the request carries Sec-GPC: 1, so no marketing at all.
// - The shopper's category opt-outs and NeverAllowed(purpose) are removed.
// A shopper unknown to the ledger has an empty state. `subject` is stored
// in the grant for the reader to check. Pure; thread-safe.
Grant Decide(LegalBasis basis, const ConsentState& state, Purpose purpose, Micros now,
             bool gpc_signal = false, std::string subject = {});

// Whether a list built from the shopper's data through `personalization`
// may carry advertising (promotions): only under a marketing grant that
// allows every category of data the list was built from, so that a
// shopper who refused marketing, sent GPC, or opted a category out of it
// is never advertised to from that data.
bool MayAdvertiseIn(const Grant& personalization, const Grant& marketing);

}  // namespace confide
