// The demo's experiment end to end: a generated retailer imported and
// trained, its shoppers served through the server and responding with a
// known true lift (cli/demo_experiment.h), then the lift report and the
// guardrail read through the API as a retailer would.
#include "cli/demo_experiment.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <array>
#include <cmath>
#include <cstdio>

#include "cli/demo.h"
#include "testing/server_fixture.h"
#include "testing/test_json.h"

namespace confide::cli {
namespace {

// A number at a JSON pointer; NaN when absent.
double Real(const std::string& body, const std::string& pointer) {
  simdjson::dom::parser parser;
  double value = 0;
  return parser.parse(body).at_pointer(pointer).get_double().get(value) ? std::nan("") : value;
}

class DemoExperimentTest : public ServerFixture {
 protected:
  void Configure(Config& config) override {
    demo_.experiment.name = "sim-lift";
    demo_.experiment.variants = {{"personalized", 5000}, {"holdout", 5000}};
    demo_.experiment.guardrail_days = 2;
    demo_.experiment.guardrail_rho = 1e6;  // noise small against a few thousand shoppers
    config.experiment = demo_.experiment;
    config.analytics.rho_per_month = 1e9;
    config.analytics.max_rho_per_key_per_month = 1e9;
    config.analytics.max_rho_per_query = 1e6;
    config.hosted_regions = {"eu"};
  }

  // Generates, imports, trains and plays the experiment with `true_lift`;
  // then serves the result again on the server's own clock.
  void Play(double true_lift) {
    server_.reset();
    demo_.run.days = 4;
    demo_.run.visits_per_day = 0.6;
    demo_.run.response.true_lift = true_lift;
    demo_.run.start = DemoExperimentStart(NowMicros(), demo_.run);
    synth::Options options;
    options.shoppers = 5'000;
    options.stores = 4;
    options.products = 400;
    options.days = 60;
    options.regions = {"eu"};
    options.start = demo_.run.start - Micros(options.days) * kMicrosPerDay;
    std::FILE* out = std::tmpfile();
    const Status prepared = PrepareDemoData(config_, options, demo_, out);
    std::rewind(out);
    char line[512];
    while (std::fgets(line, sizeof line, out)) log_ += line;
    std::fclose(out);
    ASSERT_TRUE(prepared.ok()) << prepared.ToString() << "\n" << log_;
    Start();
  }

  std::string Report() {
    const std::string from = FormatRfc3339(demo_.run.start).substr(0, 10);
    const std::string to = FormatRfc3339(demo_.run.start + Micros(demo_.run.days + 1) * kMicrosPerDay).substr(0, 10);
    const ClientResponse r =
        Send(admin_, "GET", "/v1/eu/experiments/sim-lift?from=" + from + "&to=" + to + "&rho=100000");
    EXPECT_EQ(r.status, 200) << r.body;
    return r.body;
  }

  // The released number `statistic` of `group`: {value, ci95 low, ci95 high}.
  static std::array<double, 3> Number(const std::string& report, const std::string& group,
                                      const std::string& statistic) {
    for (int i = 0; JHas(report, "/numbers/" + std::to_string(i)); ++i) {
      const std::string at = "/numbers/" + std::to_string(i);
      if (JStr(report, at + "/group") == group && JStr(report, at + "/statistic") == statistic)
        return {Real(report, at + "/value"), Real(report, at + "/ci95/0"), Real(report, at + "/ci95/1")};
    }
    ADD_FAILURE() << group << " " << statistic << " not in " << report;
    return {};
  }

  DemoExperiment demo_;
  std::string log_;
};

TEST_F(DemoExperimentTest, TheReportFindsTheTrueLiftOfTheSimulatedShoppers) {
  Play(0.25);
  EXPECT_NE(log_.find("Playing the experiment \"sim-lift\" in eu over 4 days (true lift +25%)"), std::string::npos)
      << log_;
  EXPECT_NE(log_.find("lists served"), std::string::npos) << log_;
  const std::string report = Report();
  const auto lift = Number(report, "personalized_over_holdout", "revenue_per_shopper_lift");
  EXPECT_GT(lift[1], 0) << report;
  // The run follows today's calendar, so a 95% interval misses the truth
  // on one day in twenty: the estimate is held within 3.29 standard errors
  // (99.9%), the error read off the interval's half-width (1.96 of them).
  const double standard_error = (lift[2] - lift[1]) / 2 / 1.96;
  EXPECT_GT(standard_error, 0) << report;
  EXPECT_LE(std::abs(lift[0] - 0.25), 3.29 * standard_error) << report;
  // Both variants were served and clicked; the assignment is sound.
  for (const char* variant : {"variant=personalized", "variant=holdout"}) {
    EXPECT_GT(Number(report, variant, "shoppers")[0], 500) << report;
    EXPECT_GT(Number(report, variant, "click_through_rate")[0], 0.05) << report;
  }
  EXPECT_GT(Number(report, "", "sample_ratio_p_value")[0], 0.001) << report;
  // Personalized lists fit the shoppers' taste better: more of them are clicked.
  EXPECT_GT(Number(report, "variant=personalized", "click_through_rate")[0],
            Number(report, "variant=holdout", "click_through_rate")[0])
      << report;
  EXPECT_TRUE(JBool(Send(admin_, "GET", "/v1/eu/models").body, "/guardrail/personalizing"));
}

TEST_F(DemoExperimentTest, ANegativeTrueLiftPausesPersonalization) {
  Play(-0.5);
  const std::string models = Send(admin_, "GET", "/v1/eu/models").body;
  EXPECT_FALSE(JBool(models, "/guardrail/personalizing")) << models << "\n" << log_;
  EXPECT_EQ(JStr(models, "/guardrail/last_check/verdict"), "below_zero") << models;
}

}  // namespace
}  // namespace confide::cli
