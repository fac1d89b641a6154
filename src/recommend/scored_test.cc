#include "recommend/scored.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace confide {
namespace {

bool Same(const std::vector<Scored>& a, const std::vector<Scored>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](const Scored& x, const Scored& y) { return x.item == y.item && x.score == y.score; });
}

TEST(TopScored, KeepsWhatKeepTopKeepsTiesIncluded) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> level(0, 20);  // few distinct scores: many ties
  std::vector<Scored> offered;
  for (uint32_t i = 0; i < 500; ++i) offered.push_back({(i * 7919u) % 1000u, static_cast<float>(level(rng))});
  for (size_t n : {size_t{0}, size_t{1}, size_t{10}, size_t{499}, size_t{500}, size_t{600}}) {
    TopScored top(n);
    for (const Scored& s : offered) top.Offer(s);
    std::vector<Scored> kept = offered;
    KeepTop(kept, n);
    EXPECT_TRUE(Same(std::move(top).Take(), kept)) << "n = " << n;
  }
}

TEST(TopScored, TakesBestFirst) {
  TopScored top(3);
  for (Scored s : {Scored{1, 0.5f}, Scored{2, 2.0f}, Scored{3, 1.0f}, Scored{4, 2.0f}, Scored{5, -1.0f}})
    top.Offer(s);
  EXPECT_TRUE(Same(std::move(top).Take(), {{2, 2.0f}, {4, 2.0f}, {3, 1.0f}}));
}

}  // namespace
}  // namespace confide
