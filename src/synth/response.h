// How the synthetic retailer's shoppers respond to the lists they are
// shown: the known truth an online experiment is checked against
// (docs/experiments.md).
//
// A shopper shown a list sees its first `shown` items (an impression each)
// and clicks each with a chance that depends on whether it is of one of
// their favourite categories (the latent taste the generator drew for them,
// ShopperSim). They buy among the items shown in proportion to those same
// chances, so a list that fits their taste is clicked more and bought from
// more evenly. How much they spend is what the experiment measures, so it
// is set rather than emergent: a visit's expected spend is
// `spend_per_visit_cents` in the control and (1 + true_lift) times that in
// the treatment, whatever the list holds. The number of purchases is
// Poisson with that spend over the expected price of one pick, so the
// expected revenue per shopper of the treatment is exactly (1 + true_lift)
// times the control's: the lift a report should find.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "events/event.h"
#include "synth/generator.h"
#include "synth/random.h"

namespace confide::synth {

struct ResponseOptions {
  double true_lift = 0.10;  // of revenue per shopper, treatment over control; above -1
  uint32_t shown = 10;      // the first items of a list the shopper sees
  double click_favourite = 0.20;  // the chance of a click on a shown item of a favourite category
  double click_other = 0.03;      // on any other shown item
  int64_t spend_per_visit_cents = 500;  // expected, in the control
};

// Checks `options`. Errors: kInvalidArgument naming the field ("true_lift",
// "shown", "click_favourite", "click_other", "spend_per_visit_cents").
Status ValidateResponse(const ResponseOptions& options);

// One generated region as the response reads it. Product n is P{n+1} and
// shopper n is C{n+1} (zero-padded to 6 and 7 digits, as in the files).
struct ResponseRegion {
  std::string currency;
  std::vector<uint16_t> product_category;  // the generator's category index
  std::vector<uint32_t> product_cents;     // list price, in the region's currency
  std::vector<std::vector<uint16_t>> favourites;  // per shopper, their favourite categories
};

// Rebuilds `region` of the retailer `options` describes: the same draws as
// Generate, no files written. Errors: those of Validate(); kInvalidArgument
// naming "region" for a region `options` does not list.
Result<ResponseRegion> ReadResponseRegion(const Options& options, std::string_view region);

// The ids the generated files give shopper and product n: "C0000001" and
// "P000001" for n = 0.
std::string CustomerId(uint32_t shopper);
std::string ProductId(uint32_t product);

// The product index of an id "P000123" (122), or -1 for one that is not a
// product of `region`.
int64_t ProductIndex(const ResponseRegion& region, std::string_view id);

// One thing a shopper did with a list: an impression or a click on a
// product, or the purchase of one unit of it at its list price.
struct Action {
  EventType type = EventType::kImpression;
  Micros at = 0;
  uint32_t product = 0;
  int64_t cents = 0;  // purchases only
};

// What `shopper` does with `list` (product indices, best first) served at
// `served_at`, in time order: impressions a second later, clicks within
// ten minutes, purchases within two days of the click on the product
// (each purchase follows a click on it). Draws from `rng` only.
// REQUIRES: ValidateResponse(options) is ok; shopper and products in range.
std::vector<Action> Respond(const ResponseRegion& region, uint32_t shopper, std::span<const uint32_t> list,
                            bool treated, Micros served_at, const ResponseOptions& options, Rng& rng);

// The expected spend of one visit, in cents: what Respond's purchases
// average to (for a list with at least one item shown).
double ExpectedSpendCents(bool treated, const ResponseOptions& options);

}  // namespace confide::synth
