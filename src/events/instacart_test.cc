#include "events/instacart.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/test_paths.h"
#include "events/event.h"

namespace confide {
namespace {

namespace fs = std::filesystem;

std::string SharedData() { return SharedDataDir(); }

struct RawOrder {
  uint64_t user = 0;
  int number = 0;
  int hour = 0;
  int days_prior = -1;
  bool test = false;
};

// orders_demo.csv read plainly (it has no quoting), independently of the
// code under test.
std::map<uint64_t, RawOrder> ReadRawOrders(const std::string& path) {
  std::map<uint64_t, RawOrder> orders;
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) cells.push_back(cell);
    if (cells.size() == 6) cells.emplace_back();  // empty last cell
    RawOrder o;
    o.user = std::stoull(cells[1]);
    o.test = cells[2] == "test";
    o.number = std::stoi(cells[3]);
    o.hour = std::stoi(cells[5]);
    if (!cells[6].empty()) o.days_prior = static_cast<int>(std::stod(cells[6]));
    orders[std::stoull(cells[0])] = o;
  }
  return orders;
}

int64_t Day(Micros t) { return t / kMicrosPerDay; }
int64_t HourOfDay(Micros t) { return t % kMicrosPerDay / (3600 * kMicrosPerSecond); }

TEST(Instacart, AnchorIsTheLastDayOf2017) {
  EXPECT_EQ(kInstacartAnchorDay, DaysFromCivil(2017, 12, 31));
}

struct Seen {
  Micros time;
  uint64_t user;
};

// What ReadInstacart produced of the sample.
struct SampleEvents {
  std::map<uint64_t, Seen> order_time;                    // order_id -> its events' time
  std::vector<std::tuple<uint64_t, int, uint64_t>> keys;  // (user, order_number, add_to_cart)
  uint64_t events = 0, invalid = 0;
};

// Checks one record against the raw orders and notes its order's time and
// its key.
void CheckRecord(const Record& r, const std::map<uint64_t, RawOrder>& raw, SampleEvents& out) {
  ++out.events;
  auto e = EventFromRecord(r);
  if (!e.ok()) {
    if (++out.invalid <= 5) ADD_FAILURE() << e.status().ToString();
    return;
  }
  EXPECT_EQ(e->type, EventType::kPurchase);
  EXPECT_EQ(e->channel, Channel::kApp);
  EXPECT_EQ(e->quantity, 1);
  EXPECT_FALSE(e->unit_price.has_value());
  const uint64_t order_id = std::stoull(e->order_id);
  const RawOrder& o = raw.at(order_id);
  EXPECT_EQ(e->id(IdKind::kCustomer), std::to_string(o.user));
  const std::string prefix = "ic-" + e->order_id + "-";
  ASSERT_EQ(e->event_id.substr(0, prefix.size()), prefix);
  out.keys.emplace_back(o.user, o.number, std::stoull(e->event_id.substr(prefix.size())));
  auto [it, fresh] = out.order_time.emplace(order_id, Seen{e->timestamp, o.user});
  if (!fresh) {
    EXPECT_EQ(it->second.time, e->timestamp) << "one time per order";
  }
}

struct TimelineCounts {
  uint64_t moved = 0, gaps = 0;
  bool complete = false;  // false when a fatal check stopped the walk
};

// Per user, the orders with events by order_number, plus the test order:
// each gap and hour as the raw orders say, or moved one minute after the
// previous order. `counts.complete` is set once every user is checked.
void CheckTimelines(const std::map<uint64_t, RawOrder>& raw, const std::map<uint64_t, Seen>& order_time,
                    TimelineCounts& counts) {
  std::map<uint64_t, std::map<int, Micros>> timelines;
  std::map<uint64_t, const RawOrder*> tests;
  std::map<std::pair<uint64_t, int>, const RawOrder*> by_number;
  for (const auto& [id, o] : raw) {
    by_number[{o.user, o.number}] = &o;
    if (o.test) tests[o.user] = &o;
  }
  for (const auto& [id, seen] : order_time) timelines[seen.user][raw.at(id).number] = seen.time;
  ASSERT_EQ(timelines.size(), 1'000u);
  ASSERT_EQ(tests.size(), 1'000u);
  for (const auto& [user, timeline] : timelines) {
    const RawOrder* test = tests.at(user);
    ASSERT_EQ(timeline.rbegin()->first + 1, test->number) << "user " << user;
    // The test order is on the anchor date, its gap after the last prior one.
    EXPECT_EQ(kInstacartAnchorDay - Day(timeline.rbegin()->second), test->days_prior) << user;
    const Micros* previous = nullptr;
    for (const auto& [number, time] : timeline) {
      const RawOrder& o = *by_number.at({user, number});
      if (previous) {
        EXPECT_GT(time, *previous) << "user " << user << " order " << number;
        EXPECT_EQ(Day(time) - Day(*previous), o.days_prior) << "user " << user << " order " << number;
        ++counts.gaps;
      }
      if (HourOfDay(time) != o.hour || time % (3600 * kMicrosPerSecond) != 0) {
        // Moved: a same-day order at the same or an earlier hour.
        ASSERT_NE(previous, nullptr);
        EXPECT_EQ(o.days_prior, 0);
        EXPECT_EQ(time, *previous + 60 * kMicrosPerSecond);
        ++counts.moved;
      }
      previous = &time;
    }
  }
  counts.complete = true;
}

TEST(Instacart, SampleBecomesValidTimedEvents) {
  const std::string dir = SharedData() + "/instacart-1000";
  if (!fs::exists(dir + "/orders_demo.csv")) GTEST_SKIP() << dir << " is absent";
  const auto raw = ReadRawOrders(dir + "/orders_demo.csv");
  ASSERT_EQ(raw.size(), 16'968u);

  SampleEvents seen;
  auto summary = ReadInstacart(dir, [&](const Record& r) { CheckRecord(r, raw, seen); });
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(seen.invalid, 0u);
  EXPECT_EQ(seen.events, 155'824u);
  EXPECT_EQ(summary->items, 155'824u);
  EXPECT_EQ(summary->orders, 16'968u);
  EXPECT_EQ(summary->users, 1'000u);
  EXPECT_TRUE(std::is_sorted(seen.keys.begin(), seen.keys.end()));
  EXPECT_EQ(std::adjacent_find(seen.keys.begin(), seen.keys.end()), seen.keys.end());

  TimelineCounts counts;
  CheckTimelines(raw, seen.order_time, counts);
  if (!counts.complete) return;
  EXPECT_EQ(counts.gaps, 16'968u - 2 * 1'000u);
  std::printf("[ instacart ] %llu orders with items moved one minute after the previous order\n",
              static_cast<unsigned long long>(counts.moved));
  // 140 orders are moved, but 7 of them are test orders, which have no items.
  EXPECT_EQ(counts.moved, 133u);
}

class InstacartFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "confide-instacart-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Write(const std::string& name, const std::string& content) {
    std::ofstream(dir_ + "/" + name) << content;
  }
  std::string dir_;
};

TEST_F(InstacartFilesTest, TimesFollowTheRuleExactly) {
  Write(
      "orders_demo.csv",
      "order_id,user_id,eval_set,order_number,order_dow,order_hour_of_day,days_since_prior_order\n"
      "11,7,prior,1,0,10,\n"
      "12,7,prior,2,0,9,0.0\n"
      "13,7,prior,3,0,23,5.0\n"
      "14,7,test,4,0,14,2.0\n"
      "21,3,prior,1,0,8,\n"
      "22,3,test,2,0,1,30.0\n");
  Write("order_items_demo.csv",
        "order_id,product_id,add_to_cart_order,reordered\n"
        "13,500,1,0\n"
        "11,100,2,0\n"
        "11,101,1,0\n"
        "12,200,1,1\n"
        "21,900,1,0\n");
  std::vector<std::string> got;
  auto summary = ReadInstacart(dir_, [&](const Record& r) {
    auto e = EventFromRecord(r);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    got.push_back(e->event_id + " " + e->id(IdKind::kCustomer) + " " + e->product_id + " " +
                  FormatRfc3339(e->timestamp));
  });
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->orders, 6u);
  EXPECT_EQ(summary->items, 5u);
  EXPECT_EQ(summary->users, 2u);
  // User 7: test order on 12-31 14:00; order 3 two days before at 23:00;
  // order 2 five days before that at 09:00; order 1 the same day at 10:00,
  // so order 2 moves to 10:01. User 3: order 1 thirty days before 12-31.
  EXPECT_EQ(got, (std::vector<std::string>{
                     "ic-21-1 3 900 2017-12-01T08:00:00Z",
                     "ic-11-1 7 101 2017-12-24T10:00:00Z",
                     "ic-11-2 7 100 2017-12-24T10:00:00Z",
                     "ic-12-1 7 200 2017-12-24T10:01:00Z",
                     "ic-13-1 7 500 2017-12-29T23:00:00Z",
                 }));
}

TEST_F(InstacartFilesTest, ErrorsNameTheFileAndLine) {
  const std::string header =
      "order_id,user_id,eval_set,order_number,order_dow,order_hour_of_day,days_since_prior_order\n";
  const std::string items = "order_id,product_id,add_to_cart_order,reordered\n";
  auto none = [](const Record&) {};

  auto missing = ReadInstacart(dir_, none);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
  EXPECT_NE(missing.status().message().find("orders_demo.csv"), std::string::npos);

  Write("orders_demo.csv", header + "1,7,prior,1,0,10,\n2,7,test,2,0,9,\n");
  Write("order_items_demo.csv", items + "1,5,1,0\n");
  auto r = ReadInstacart(dir_, none);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("orders_demo.csv:3: days_since_prior_order is empty"),
            std::string::npos)
      << r.status().message();

  Write("orders_demo.csv", header + "1,7,prior,1,0,10,\n2,7,test,2,0,9,3.0\n");
  Write("order_items_demo.csv", items + "1,5,1,0\n99,5,1,0\n");
  r = ReadInstacart(dir_, none);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("order_items_demo.csv:3: order_id 99 is not in"),
            std::string::npos)
      << r.status().message();

  Write("order_items_demo.csv", items + "1,5,1,0\n1,x5,2,0\n");
  r = ReadInstacart(dir_, none);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("order_items_demo.csv:3: product_id must be a whole number"),
            std::string::npos)
      << r.status().message();

  Write("order_items_demo.csv", items + "1,5,1,0\n1,6,1,0\n");
  r = ReadInstacart(dir_, none);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("order_items_demo.csv:3: add_to_cart_order 1 repeated"),
            std::string::npos)
      << r.status().message();
}

}  // namespace
}  // namespace confide
