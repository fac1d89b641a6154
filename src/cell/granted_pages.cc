// Paged reads of the granted shoppers: the groups in the order of a hash
// of their pseudonymous key, resumed after a position the caller holds.
#include <sodium.h>

#include <algorithm>
#include <utility>

#include "cell/cell_impl.h"
#include "core/bytes.h"

namespace confide {
namespace {

// The hex of BLAKE2b-128("confide/page" || key): a fixed order over the
// groups that reveals neither the pseudonym nor an identifier.
std::string PagePosition(const ShopperKey& key) {
  static constexpr std::string_view kContext = "confide/page";
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, 16);
  crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(kContext.data()), kContext.size());
  crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  unsigned char out[16];
  crypto_generichash_final(&state, out, sizeof out);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(out), sizeof out));
}

}  // namespace

Result<std::string> Cell::ForEachGrantedHistoryPage(Purpose purpose, std::string_view after, size_t max_groups,
                                                    const PagedHistoryFn& fn, bool with_links) {
  Impl& m = *impl_;
  CONFIDE_RETURN_IF_ERROR(m.HealIfDiverged());  // what other nodes of the region decided, first
  std::vector<ShopperKey> roots;
  {
    absl::MutexLock lock(&m.identity_mu);
    roots = m.graph.Roots();
  }
  // Hashing every root costs microseconds per thousand; decrypting their
  // histories is what the page bounds.
  std::vector<std::pair<std::string, size_t>> ahead;  // position, index in roots
  for (size_t i = 0; i < roots.size(); ++i) {
    std::string position = PagePosition(roots[i]);
    if (position > after) ahead.emplace_back(std::move(position), i);
  }
  const size_t take = std::min(std::max<size_t>(max_groups, 1), ahead.size());
  std::partial_sort(ahead.begin(), ahead.begin() + static_cast<std::ptrdiff_t>(take), ahead.end());
  std::vector<Grant> grants;
  grants.reserve(take);
  {
    absl::MutexLock lock(&m.identity_mu);
    Micros now = m.Now();
    for (size_t j = 0; j < take; ++j) {
      const ShopperKey& root = roots[ahead[j].second];
      grants.push_back(Decide(m.region.legal_basis, m.ConsentStateLocked(root), purpose, now, false, root));
    }
  }
  for (size_t j = 0; j < take; ++j) {
    if (!grants[j].any()) continue;
    auto history = History(grants[j], with_links);
    if (!history.ok()) return history.status();
    bool stop = false;
    CONFIDE_RETURN_IF_ERROR(fn(grants[j], std::move(*history), stop));
    if (stop) return j + 1 < ahead.size() ? ahead[j].first : std::string();
  }
  return take < ahead.size() ? ahead[take - 1].first : std::string();
}

}  // namespace confide
