// The audit log's routes: its pages, its verification, and the
// data-subject requests (exports and erasures) a data-protection officer
// answers for.
#include <climits>

#include "core/json_writer.h"
#include "server/handler_util.h"
#include "server/handlers.h"
#include "server/http_error.h"

namespace confide {

using namespace handler_util;

namespace {

constexpr size_t kMaxAuditPage = 1000;

// cursor, limit and order shared by the paged routes.
std::optional<HttpResponse> PageParams(const QueryParams& query, size_t default_limit, AuditLog::PageQuery& q) {
  uint64_t limit = default_limit;
  if (auto bad = IntegerParam(query, "limit", 1, kMaxAuditPage, limit)) return bad;
  q.limit = limit;
  if (auto bad = IntegerParam(query, "cursor", 1, UINT64_MAX - 1, q.cursor)) return bad;
  return std::nullopt;
}

std::string PageJson(std::string_view member, const AuditLog::Page& page) {
  std::string body = "{\"" + std::string(member) + "\":[";
  for (size_t i = 0; i < page.entries.size(); ++i) body += (i ? "," : "") + AuditEntryToJson(page.entries[i]);
  body += "],\"next_cursor\":";
  body += page.next_cursor ? "\"" + std::to_string(page.next_cursor) + "\"" : "null";
  return body + "}";
}

}  // namespace

HttpResponse Api::GetAudit(Call& call) {
  AuditLog::PageQuery q;
  q.subject = call.query.Get("subject");
  if (!q.subject.empty() && (q.subject.size() != kAuditSubjectHexChars ||
                             q.subject.find_first_not_of("0123456789abcdef") != std::string::npos))
    return ErrorResponse(400, CodeName(Code::kInvalidArgument), "must be a pseudonym: 32 lower-case hex digits",
                         "subject");
  if (std::string_view customer = call.query.Get("customer_id"); !customer.empty())
    q.subject = call.cell->AuditSubject(IdKind::kCustomer, customer);
  for (auto [name, bound] : {std::pair<const char*, Micros*>{"from", &q.from}, {"to", &q.to}}) {
    std::string_view v = call.query.Get(name);
    if (v.empty()) continue;
    auto t = ParseRfc3339(v);
    if (!t) return ErrorResponse(400, CodeName(Code::kInvalidArgument), "not RFC 3339", name);
    *bound = *t;
  }
  if (std::string_view action = call.query.Get("action"); !action.empty()) {
    auto parsed = ParseAuditAction(action);
    if (!parsed)
      return ErrorResponse(400, CodeName(Code::kInvalidArgument),
                           "not an audit action (consent_change, export, erasure, profile_read, key_operation, "
                           "model_training, analytics_query, config_change, retention)",
                           "action");
    q.actions = 1u << static_cast<unsigned>(*parsed);
  }
  if (std::string_view order = call.query.Get("order", "asc"); order == "desc")
    q.newest_first = true;
  else if (order != "asc")
    return ErrorResponse(400, CodeName(Code::kInvalidArgument), "must be asc or desc", "order");
  if (auto bad = PageParams(call.query, kMaxAuditPage, q)) return *bad;
  auto page = call.cell->audit().Read(q);
  if (!page.ok()) return Failure(call.log_fields, page.status());
  // A look at one shopper's records is itself on record, as a request search is.
  if (!q.subject.empty())
    if (Status audited = Audit(call, AuditAction::kProfileRead, q.subject, "audit search"); !audited.ok())
      return Failure(call.log_fields, audited);
  return Json(200, PageJson("entries", *page));
}

HttpResponse Api::VerifyAudit(Call& call) {
  auto v = call.cell->audit().Verify();
  if (!v.ok()) return Failure(call.log_fields, v.status());
  return Json(200, AuditVerificationToJson(*v));
}

// Newest first. A search by customer id is itself audited: whoever looks a
// shopper up leaves a trace under that shopper's pseudonym.
HttpResponse Api::GetRequests(Call& call) {
  AuditLog::PageQuery q;
  q.newest_first = true;
  q.actions = (1u << static_cast<unsigned>(AuditAction::kExport)) | (1u << static_cast<unsigned>(AuditAction::kErasure));
  if (std::string_view action = call.query.Get("action"); !action.empty()) {
    auto parsed = ParseAuditAction(action);
    if (!parsed || !(q.actions & (1u << static_cast<unsigned>(*parsed))))
      return ErrorResponse(400, CodeName(Code::kInvalidArgument), "must be export or erasure", "action");
    q.actions = 1u << static_cast<unsigned>(*parsed);
  }
  if (auto bad = PageParams(call.query, 50, q)) return *bad;
  if (std::string_view customer = call.query.Get("customer_id"); !customer.empty()) {
    q.subject = call.cell->AuditSubject(IdKind::kCustomer, customer);
    if (Status audited = Audit(call, AuditAction::kProfileRead, q.subject, "request search"); !audited.ok())
      return Failure(call.log_fields, audited);
  }
  auto page = call.cell->audit().Read(q);
  if (!page.ok()) return Failure(call.log_fields, page.status());
  return Json(200, PageJson("requests", *page));
}

}  // namespace confide
