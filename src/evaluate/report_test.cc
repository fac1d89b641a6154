#include "evaluate/report.h"

#include <gtest/gtest.h>

#include <sstream>

namespace confide {
namespace {

EvalReport Sample() {
  EvalReport r;
  r.protocol = Protocol::kCutoff;
  r.at = DaysFromCivil(2011, 10, 1) * kMicrosPerDay;
  r.as_of = r.at;
  r.k = 10;
  r.rows = 1000;
  r.accepted = 990;
  r.duplicates = 2;
  r.rejected = 8;
  r.reasons = {{"unit_price: must be positive", 8}};
  r.shoppers = 120;
  r.training_shoppers = 110;
  r.items = 400;
  r.evaluated = 100;
  r.skipped_no_truth = 15;
  r.skipped_no_history = 5;
  r.truth_items = 800;
  r.truth_repeat_items = 200;
  r.truth_unseen_items = 40;
  ModelMetrics g;
  g.name = "G-TopFreq";
  g.shoppers = 100;
  g.recall = 0.125;
  g.ndcg = 0.25;
  g.hit_rate = 0.5;
  g.map = 0.0625;
  g.coverage = 0.025;
  g.hits = 40;
  g.repeat_hits = 10;
  g.recall_repeat = 0.5;
  g.hit_repeat = 0.75;
  g.recall_explore = 0.0625;
  g.hit_explore = 0.25;
  g.repeat_shoppers = 80;
  g.explore_shoppers = 90;
  g.seconds = 0.5;
  ModelMetrics gp = g;
  gp.name = "GP-TopFreq";
  gp.recall = 0.375;
  gp.repeat_hits = 30;
  r.models = {g, gp};
  return r;
}

TEST(Report, Json) {
  EXPECT_EQ(
      FormatReportJson(Sample()),
      R"({"protocol":"cutoff","at":"2011-10-01T00:00:00Z","k":10,"evaluated":100,)"
      R"("skipped":{"total":20,"no_truth":15,"no_history":5},)"
      R"("events":{"rows":1000,"accepted":990,"duplicates":2,"rejected":8,)"
      R"("rejected_reasons":{"unit_price: must be positive":8}},)"
      R"("training":{"shoppers":110,"items":400,"as_of":"2011-10-01T00:00:00Z"},)"
      R"("truth":{"items":800,"repeat_share":0.25,"unseen_share":0.05},)"
      R"("models":{"G-TopFreq":{"recall":0.125,"ndcg":0.25,"hit_rate":0.5,"map":0.0625,"coverage":0.025,)"
      R"("hits":40,"repeat_hits":10,"explore_hits":30,"repeat_share":0.25,)"
      R"("repeat":{"recall":0.5,"hit_rate":0.75,"shoppers":80},"explore":{"recall":0.0625,"hit_rate":0.25,"shoppers":90},)"
      R"("seconds":0.5},)"
      R"("GP-TopFreq":{"recall":0.375,"ndcg":0.25,"hit_rate":0.5,"map":0.0625,"coverage":0.025,)"
      R"("hits":40,"repeat_hits":30,"explore_hits":10,"repeat_share":0.75,)"
      R"("repeat":{"recall":0.5,"hit_rate":0.75,"shoppers":80},"explore":{"recall":0.0625,"hit_rate":0.25,"shoppers":90},)"
      R"("seconds":0.5}}})"
      "\n");
  EvalReport last = Sample();
  last.protocol = Protocol::kLastBasket;
  EXPECT_EQ(FormatReportJson(last).find("\"at\""), std::string::npos);
}

TEST(Report, TableColumnsAlign) {
  std::string text = FormatReportTable(Sample());
  EXPECT_NE(text.find("protocol cutoff at 2011-10-01T00:00:00Z, k = 10"), std::string::npos) << text;
  EXPECT_NE(
      text.find("evaluated: 100 of 120 shoppers (skipped 20: 15 without a basket to predict, 5 without an "
                "earlier basket)"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("rejected 8 x unit_price: must be positive"), std::string::npos) << text;
  EXPECT_NE(text.find("25.0% bought before"), std::string::npos) << text;
  // The table: header and one row per model, all as wide, each figure
  // ending where its header ends.
  std::istringstream in(text.substr(text.find("model"), text.find("\nrepeat and explore") - text.find("model")));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 3u) << text;
  EXPECT_EQ(lines[1].size(), lines[0].size());
  EXPECT_EQ(lines[2].size(), lines[0].size());
  EXPECT_EQ(lines[0].find("model"), 0u);
  EXPECT_EQ(lines[2].find("GP-TopFreq"), 0u);
  const size_t recall_end = lines[0].find("Recall@10") + std::string("Recall@10").size();
  EXPECT_EQ(lines[1].find("0.1250") + 6, recall_end);
  EXPECT_EQ(lines[2].find("0.3750") + 6, recall_end);
  EXPECT_NE(lines[1].find("2.50%"), std::string::npos);  // coverage
  EXPECT_NE(lines[1].find("25.0%"), std::string::npos);  // repeat hits
  EXPECT_NE(lines[2].find("75.0%"), std::string::npos);
  EXPECT_EQ(lines[1].substr(lines[1].size() - 6), "0.50 s");
  // Then each side of the truth, in a table of its own.
  EXPECT_NE(text.find("repeat and explore: 80 shoppers with repeat items in their truth, 90 with new ones"),
            std::string::npos) << text;
  const std::string sides = text.substr(text.rfind("model"));
  EXPECT_EQ(sides.find("model       Recall@10 repeat  HitRate@10 repeat  Recall@10 explore  HitRate@10 explore"), 0u)
      << sides;
  EXPECT_NE(sides.find("G-TopFreq             0.5000             0.7500             0.0625              0.2500"),
            std::string::npos) << sides;
}

}  // namespace
}  // namespace confide
