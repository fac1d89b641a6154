// The retail queries: top_products, category_trends, basket_size, spend,
// channel_mix, repeat_rate and bought_together, each over bounded
// contributions and released through the mechanisms (release.h).
//
// Every query's bounds are public constants (docs/analytics.md lists them,
// and every answer's notes repeat them); no bound is read from the data.
// Partitions named by the catalog (products, categories, channels, weeks,
// buckets) are all noised; a partition's numbers are shown only over the
// shopper floor (shopper_floor.h), withheld otherwise. bought_together's
// category pairs come from the data and go through partition selection
// (partition_selection.h). Either way no number is shown for a partition of
// fewer than 20 shoppers.
// A query's rho is split evenly among its releases; each number shows its
// release's share.
//
// Pure functions over values except for the noise, drawn from `source`.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "analytics/dataset.h"
#include "analytics/query_spec.h"
#include "analytics/random_source.h"
#include "analytics/release.h"

namespace confide::analytics {

// The public partition keys, from the region's catalog.
struct PublicDomain {
  std::vector<std::string> products;    // sorted ids
  std::vector<std::string> categories;  // sorted, distinct, non-empty
  std::vector<std::string> stores;      // sorted ids
  std::map<std::string, std::string> category_of;  // product -> category
};

// Checks the spec's store_id and category against the domain (the fields
// named on error).
Status CheckFilters(const QuerySpec& spec, const PublicDomain& domain);

// The delta a query spends (its shopper floor or partition selection), in
// pico-units.
int64_t QueryPicoDelta(const QuerySpec& spec);

// Runs a checked spec (CheckSpec, CheckFilters) over the data. Errors name
// "rho" when the cost is too small for the query's sensitivity.
Result<Answer> RunQuery(const QuerySpec& spec, const Dataset& data, const PublicDomain& domain,
                        RandomSource& source);

}  // namespace confide::analytics
