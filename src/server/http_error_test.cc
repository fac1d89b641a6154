#include "server/http_error.h"

#include <gtest/gtest.h>

namespace confide {
namespace {

TEST(HttpErrorTest, StatusCodesMatchErrorCodes) {
  EXPECT_EQ(HttpStatusFor(Code::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusFor(Code::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusFor(Code::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatusFor(Code::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(Code::kResourceExhausted), 413);
  EXPECT_EQ(HttpStatusFor(Code::kIoError), 503);
  EXPECT_EQ(HttpStatusFor(Code::kUnavailable), 503);
  EXPECT_EQ(HttpStatusFor(Code::kDataLoss), 500);
  EXPECT_EQ(HttpStatusFor(Code::kInternal), 500);
}

TEST(HttpErrorTest, InputErrorsKeepMessageAndField) {
  HttpResponse r = ErrorResponse(InvalidArgument("timestamp", "not RFC 3339"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(
      r.body,
      R"({"error":{"code":"invalid_argument","message":"not RFC 3339","field":"timestamp"}})");
}

TEST(HttpErrorTest, FieldIsOmittedWhenEmpty) {
  HttpResponse r = ErrorResponse(404, "not_found", "no such route");
  EXPECT_EQ(r.body, R"({"error":{"code":"not_found","message":"no such route"}})");
  EXPECT_TRUE(r.headers.empty());
}

TEST(HttpErrorTest, StorageFailuresHideTheirInternalsAndSayWhenToRetry) {
  HttpResponse r = ErrorResponse(
      Status(Code::kIoError, "/var/lib/confide/eu/000042.log: No space left on device"));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body.find("000042"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"code\":\"unavailable\""), std::string::npos) << r.body;
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0], (std::pair<std::string, std::string>("Retry-After", "1")));
  r = ErrorResponse(Status(Code::kDataLoss, "shopper 3f9a... record failed authentication"));
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body.find("3f9a"), std::string::npos) << r.body;
}

TEST(HttpErrorTest, UnauthenticatedCarriesBearerChallenge) {
  HttpResponse r = ErrorResponse(Status(Code::kUnauthenticated, "missing API key"));
  EXPECT_EQ(r.status, 401);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "WWW-Authenticate");
  EXPECT_EQ(r.headers[0].second, "Bearer");
}

TEST(HttpErrorTest, MessagesAreJsonEscaped) {
  HttpResponse r = ErrorResponse(400, "invalid_argument", "bad \"quote\"\n");
  EXPECT_EQ(r.body, R"({"error":{"code":"invalid_argument","message":"bad \"quote\"\n"}})");
}

}  // namespace
}  // namespace confide
