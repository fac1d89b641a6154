// Internal to the queries' files: the filters a spec applies to orders and
// lines, random sampling of a shopper's orders, and one function per query.
#pragma once

#include <vector>

#include "analytics/queries.h"

namespace confide::analytics::internal {

bool OrderPasses(const QuerySpec& spec, const Order& order);
bool LinePasses(const QuerySpec& spec, const OrderLine& line);

// The orders of one shopper that pass the filters, at most `max` of them
// chosen uniformly at random (Linf over orders).
std::vector<const Order*> SampledOrders(const QuerySpec& spec, const ShopperOrders& shopper, int64_t max,
                                        RandomSource& source);

// The query's cost split evenly among `parts` releases (rounded down; the
// remainder is not spent).
int64_t Share(const QuerySpec& spec, int parts);

std::string L2Text(unsigned __int128 l2_squared, const std::string& bounds);

Result<Answer> TopProducts(const QuerySpec&, const Dataset&, const PublicDomain&, RandomSource&);
Result<Answer> CategoryTrends(const QuerySpec&, const Dataset&, const PublicDomain&, RandomSource&);
Result<Answer> RepeatRate(const QuerySpec&, const Dataset&, const PublicDomain&, RandomSource&);
Result<Answer> BoughtTogether(const QuerySpec&, const Dataset&, const PublicDomain&, RandomSource&);
Result<Answer> BasketSize(const QuerySpec&, const Dataset&, const PublicDomain&, RandomSource&);
Result<Answer> Spend(const QuerySpec&, const Dataset&, const PublicDomain&, RandomSource&);
Result<Answer> ChannelMix(const QuerySpec&, const Dataset&, const PublicDomain&, RandomSource&);

}  // namespace confide::analytics::internal
