// The recommendation routes' tests share this fixture: a real server over
// a temporary store, with a catalog of four categories and twelve weekly
// shoppers in both regions (recommendations_test.cc, promotions_routes_test.cc).
#pragma once

#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <fstream>

#include "testing/server_fixture.h"
#include "testing/test_json.h"

namespace confide {

namespace fs = std::filesystem;

struct Item {
  std::string product_id;
  std::string reason;
  std::string signal;  // related lists only
  double score = 0;
};

struct Reply {
  int status = 0;
  std::string body;
  std::vector<Item> items;
  bool personalized = false;
  uint64_t version = 0;
};

class RecommendationsTest : public ServerFixture {
 protected:
  void SetUp() override {
    ServerFixture::SetUp();
    if (!HasFatalFailure()) Seed();
  }
  void Configure(Config& config) override { config.recommend.max_per_category = 2; }

  static Reply Parse(const ClientResponse& r) {
    Reply reply{r.status, r.body, {}, false, 0};
    if (r.status != 200) return reply;
    simdjson::dom::parser parser;
    simdjson::dom::element doc = parser.parse(r.body);
    for (auto item : doc["items"].get_array()) {
      std::string_view signal;
      if (item["signal"].get(signal) != simdjson::SUCCESS) signal = {};
      std::string_view title, id = item["product_id"];
      if (item["title"].get(title) != simdjson::SUCCESS || title != "Product " + std::string(id))
        ADD_FAILURE() << "each item is named by its catalog title: " << r.body;
      reply.items.push_back({std::string(std::string_view(item["product_id"])), std::string(std::string_view(item["reason"])),
                             std::string(signal), double(item["score"])});
    }
    reply.personalized = bool(doc["personalized"]);
    reply.version = uint64_t(doc["model_version"]);
    return reply;
  }

  Reply Get(const std::string& target) { return Parse(Send(recommend_, "GET", target)); }

  static bool Has(const Reply& r, std::string_view product, std::string_view reason = {}) {
    for (const auto& i : r.items) {
      if (i.product_id == product && (reason.empty() || i.reason == reason)) return true;
    }
    return false;
  }

  // Catalog: six products per category a..c; "b-5" inactive; "c-5" out of
  // stock online; store s1 holds only the a- products; d-0..d-11 online.
  // Shoppers buy in weekly baskets: "fan-<n>" always buys a-0 and a-1, b-0
  // with b-1, and d-<n>, their own: what best sellers
  // cannot know, so that the models beat them on held-out baskets.
  void Seed() {
    std::string products = "[", inventory = "[";
    for (char cat : {'a', 'b', 'c', 'd'}) {
      for (int i = 0; i < (cat == 'd' ? 12 : 6); ++i) {
        std::string id = std::string(1, cat) + "-" + std::to_string(i);
        products += std::string(products.size() > 1 ? "," : "") + R"({"id":")" + id + R"(","title":"Product )" + id + R"(","category":")" +
                    std::string(1, cat) + R"(","price":2)" + (id == "b-5" ? R"(,"active":false)" : "") + "}";
        inventory += std::string(inventory.size() > 1 ? "," : "") + R"({"location":"online","product_id":")" + id +
                     R"(","quantity":)" + (id == "c-5" ? "0" : "9") + "}";
        if (cat == 'a') inventory += R"(,{"location":"s1","product_id":")" + id + R"(","quantity":3})";
      }
    }
    for (const char* region : {"eu", "us"}) {
      ASSERT_EQ(Send(admin_, "PUT", std::string("/v1/") + region + "/products", products + "]").status, 200);
      ASSERT_EQ(Send(admin_, "PUT", std::string("/v1/") + region + "/stores",
                     R"([{"id":"s1","name":"One","latitude":48.8,"longitude":2.3}])").status, 200);
      ASSERT_EQ(Send(admin_, "PUT", std::string("/v1/") + region + "/inventory", inventory + "]").status, 200);
    }
    std::string events = "[";
    int n = 0;
    auto add = [&](const std::string& shopper, const std::string& product, int day, const std::string& order) {
      events += std::string(n ? "," : "");
      ++n;
      events += R"({"event_id":"e)" + std::to_string(n) + R"(","type":"purchase","timestamp":"2026-0)" +
                std::to_string(1 + day / 28) + "-" + (day % 28 + 1 < 10 ? "0" : "") + std::to_string(day % 28 + 1) +
                R"(T10:00:00Z","customer_id":")" + shopper + R"(","channel":"web","product_id":")" + product +
                R"(","quantity":1,"order_id":")" + order + R"("})";
    };
    for (int s = 0; s < 12; ++s) {
      std::string shopper = "fan-" + std::to_string(s);
      for (int week = 0; week < 6; ++week) {
        std::string order = shopper + "-" + std::to_string(week);
        for (const char* p : {"a-0", "a-1", "a-2", "a-3"}) add(shopper, p, week * 7, order);
        add(shopper, "d-" + std::to_string(s), week * 7, order);
        if (week % 2 == 0) {
          add(shopper, "b-0", week * 7, order);
          add(shopper, "b-1", week * 7, order);
          add(shopper, "b-5", week * 7, order);
          add(shopper, "c-5", week * 7, order);
        }
        add(shopper, "c-" + std::to_string((s + week) % 4), week * 7, order);
      }
    }
    events += "]";
    for (const char* region : {"eu", "us"}) {
      ASSERT_EQ(Send(admin_, "POST", std::string("/v1/") + region + "/events", events).status, 200);
    }
  }

  // Personalization and the use of the history for the shared models.
  void Grant(const std::string& region, const std::string& shopper, bool personalization) {
    const std::string v = personalization ? "true" : "false";
    auto r = Send(admin_, "PUT", "/v1/" + region + "/customers/" + shopper + "/consent",
                  R"({"purposes":{"personalization":)" + v + R"(,"model_improvement":)" + v + "}}");
    ASSERT_EQ(r.status, 200) << r.body;
  }

  // Serves on the manual clock.
  void StartOnTheManualClock() {
    ServerOptions options;
    options.cell.clock = &clock_;
    Start(options);
  }

  // Serves with a suggestions export every hour, trains us, and moves the
  // clock an hour: the us file names fan-3, as trained; returns the file.
  std::string ExportUntilFan3IsNamed() {
    config_.suggestions.interval_hours = 1;
    config_.suggestions.out_dir = (root_ / "out").string();
    fs::create_directories(root_ / "out");
    StartOnTheManualClock();
    EXPECT_NE(Train("us").find("succeeded"), std::string::npos);
    clock_.Advance(std::chrono::hours(1));
    std::string exported;
    WaitUntil([&] {
      exported = Exported("us");
      return exported.find(R"("customer_id":"fan-3")") != std::string::npos;
    });
    return exported;
  }

  // Erases fan-3 (us), moves the clock through the erasure's export delay
  // (an hour's schedule is further away), and waits until the us file no
  // longer names them; returns the file.
  std::string EraseFan3AndAwaitTheFile() {
    EXPECT_EQ(Send(admin_, "DELETE", "/v1/us/customers/fan-3").status, 200);
    clock_.Advance(ServerOptions().erasure_export_delay);
    std::string exported;
    WaitUntil([&] {
      exported = Exported("us");
      return exported.find(R"("customer_id":"fan-3")") == std::string::npos;
    });
    return exported;
  }

  // The suggestions file of `region` as it is now (empty if there is none).
  std::string Exported(const std::string& region) {
    std::ifstream in(root_ / "out" / ("suggestions-" + region + ".ndjson"));
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
};

}  // namespace confide
