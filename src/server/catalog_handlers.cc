// Catalog routes: products, stores and inventory (all-or-nothing PUTs,
// each item replaced whole), product patches, listing, deletion, point
// reads of products and stores, and the export the PUTs read back.
#include "server/handlers.h"

#include <charconv>

#include "catalog/product_patch.h"
#include "core/ascii.h"
#include "server/handler_util.h"
#include "server/http_error.h"

namespace confide {

using namespace handler_util;

namespace {

constexpr size_t kDefaultProductPage = 100, kMaxProductPage = 1000;
constexpr size_t kMaxProductId = 128;  // ProductFromRecord's bound: a longer cursor names no product

// "warnings": [{"index","field","reason"}] for the stored products whose
// cost exceeds their price (empty when none).
void WriteCostWarnings(JsonWriter& w, const std::vector<Product>& products) {
  w.Key("warnings").BeginArray();
  for (size_t i = 0; i < products.size(); ++i) {
    if (auto warning = CostWarning(products[i]))
      w.BeginObject().Key("index").Uint(i).Key("field").String("cost").Key("reason").String(*warning).EndObject();
  }
  w.EndArray();
}

// A member of the one object a PATCH body holds, owned (a Record only
// views the parsed document, which is gone once parsing returns).
struct OwnedField {
  std::string name, value;
  Field::Type type;
};

// The PATCH body as one object's fields; the error response otherwise.
std::optional<HttpResponse> ReadPatch(const HttpRequest& request, const Limits& config_limits,
                                      std::vector<OwnedField>& fields) {
  size_t start = request.body.find_first_not_of(" \t\r\n");
  if (start == std::string::npos || request.body[start] != '{')
    return ErrorResponse(400, CodeName(Code::kInvalidArgument), "the body must be one JSON object (a merge patch)");
  size_t items = 0;
  std::optional<HttpResponse> bad;
  Status parsed = ParseJsonItems(
      request.body, {2, config_limits.max_json_depth},
      [&](size_t, const Record& record) {
        if (++items > 1) return;
        for (const Field& f : record.fields()) fields.push_back({std::string(f.name), std::string(f.value), f.type});
      },
      [&](size_t, std::string field, std::string reason) {
        ++items;
        if (!bad) bad = ErrorResponse(400, CodeName(Code::kInvalidArgument), reason, field);
      });
  if (!parsed.ok()) return BodyError(parsed);
  if (bad) return bad;
  if (items != 1)
    return ErrorResponse(400, CodeName(Code::kInvalidArgument), "the body must be one JSON object (a merge patch)");
  return std::nullopt;
}

// ?limit= (1 to kMaxProductPage, default kDefaultProductPage).
std::optional<size_t> PageLimit(const QueryParams& query) {
  size_t limit = kDefaultProductPage;
  std::string_view v = query.Get("limit");
  if (v.empty()) return limit;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), limit);
  if (ec != std::errc() || end != v.data() + v.size() || limit < 1 || limit > kMaxProductPage) return std::nullopt;
  return limit;
}

}  // namespace

HttpResponse Api::PutProducts(Call& call) {
  Catalog& catalog = call.cell->catalog();
  auto from_record = [](const Record& r) -> Result<Product> {
    CONFIDE_RETURN_IF_ERROR(CheckProductFieldsKnown(r));
    return ProductFromRecord(r);
  };
  return PutCatalogItems(
      call.request, config_.limits, "products", from_record,
      [&](const std::vector<Product>& v) { return catalog.PutProducts(v); }, call.log_fields, WriteCostWarnings);
}

HttpResponse Api::PutStores(Call& call) {
  Catalog& catalog = call.cell->catalog();
  return PutCatalogItems(
      call.request, config_.limits, "stores", StoreFromRecord,
      [&](const std::vector<StoreLocation>& v) { return catalog.PutStores(v); }, call.log_fields);
}

HttpResponse Api::PutInventory(Call& call) {
  Catalog& catalog = call.cell->catalog();
  Status lookup;
  HttpResponse r = PutCatalogItems(
      call.request, config_.limits, "inventory levels",
      CheckedBy(InventoryFromRecord, [&](const InventoryLevel& l) { return catalog.CheckReferences(l); }, lookup),
      [&](const std::vector<InventoryLevel>& v) { return catalog.PutInventory(v); }, call.log_fields);
  if (!lookup.ok()) return Failure(call.log_fields, lookup);
  return r;
}

HttpResponse Api::GetProduct(Call& call) {
  auto product = call.cell->catalog().GetProduct(call.params.Get("id"));
  if (!product.ok()) return Failure(call.log_fields, product.status());
  if (!product.value())
    return ErrorResponse(404, CodeName(Code::kNotFound), "no product with this id", "id");
  return Json(200, ProductToJson(*product.value()));
}

HttpResponse Api::PatchProduct(Call& call) {
  std::vector<OwnedField> fields;
  if (auto bad = ReadPatch(call.request, config_.limits, fields)) return *bad;
  Record patch;
  for (const OwnedField& f : fields) patch.Add(f.name, f.value, f.type);
  Status refused;  // the patch's own error, kept apart from the store's
  auto updated = call.cell->catalog().UpdateProduct(call.params.Get("id"), [&](const Product& current) {
    auto next = ApplyProductPatch(current, patch);
    if (!next.ok()) refused = next.status();
    return next;
  });
  if (!refused.ok()) return ErrorResponse(refused);
  if (!updated.ok()) return Failure(call.log_fields, updated.status());
  if (!updated->has_value()) return ErrorResponse(404, CodeName(Code::kNotFound), "no product with this id", "id");
  JsonWriter w;
  w.BeginObject().Key("product").Raw(ProductToJson(**updated));
  WriteCostWarnings(w, {**updated});
  w.EndObject();
  return Json(200, w.Take());
}

HttpResponse Api::DeleteProduct(Call& call) {
  std::string_view id = call.params.Get("id");
  auto deleted = call.cell->catalog().DeleteProduct(id);
  if (!deleted.ok()) return Failure(call.log_fields, deleted.status());
  // The rules after the product, and again by a retry that finds it gone: a
  // deletion cut between the two (a crash, or a 503 when another node wrote
  // the catalog first) leaves none for a product later made under the id.
  if (Status s = call.cell->prices().DeleteRulesOf(id); !s.ok()) return Failure(call.log_fields, s);
  if (!*deleted) return ErrorResponse(404, CodeName(Code::kNotFound), "no product with this id", "id");
  return Json(200, R"({"deleted":true})");
}

HttpResponse Api::ListProducts(Call& call) {
  auto limit = PageLimit(call.query);
  if (!limit) return ErrorResponse(400, CodeName(Code::kInvalidArgument), "must be an integer from 1 to 1000", "limit");
  std::string_view cursor = call.query.Get("cursor");
  if (cursor.size() > kMaxProductId)
    return ErrorResponse(400, CodeName(Code::kInvalidArgument), "must be a next_cursor this route returned", "cursor");
  std::string_view active = call.query.Get("active");
  if (!active.empty() && active != "true" && active != "false")
    return ErrorResponse(400, CodeName(Code::kInvalidArgument), "must be true or false", "active");
  std::vector<Product> page;
  bool more = false;
  Status s = call.cell->catalog().ForEachProduct(
      [&](const Product& p) {
        if (!active.empty() && p.active != (active == "true")) return true;
        if (page.size() < *limit) return page.push_back(p), true;
        more = true;  // one past the page: there is a next one
        return false;
      },
      cursor);
  if (!s.ok()) return Failure(call.log_fields, s);
  call.log_fields = ",\"products\":" + std::to_string(page.size());
  JsonWriter w;
  w.BeginObject().Key("products").BeginArray();
  for (const Product& p : page) w.Raw(ProductToJson(p));
  w.EndArray().Key("count").Uint(page.size()).Key("next_cursor");
  if (more) w.String(page.back().id);
  else w.Null();
  w.EndObject();
  return Json(200, w.Take());
}

HttpResponse Api::SearchProducts(Call& call) {
  std::string_view q = call.query.Get("q");
  if (q.empty() || q.size() > 100)
    return ErrorResponse(400, CodeName(Code::kInvalidArgument), "must be 1 to 100 bytes of an id or a title", "q");
  uint64_t limit = 20;
  if (auto bad = IntegerParam(call.query, "limit", 1, 100, limit)) return *bad;
  const std::string needle = AsciiLower(q);
  // Exact ids first, then ids starting with the text and titles holding
  // it, in id order; active products only (nothing else can be had).
  std::vector<Product> exact, found;
  bool more = false;
  Status s = call.cell->catalog().ForEachProduct([&](const Product& p) {
    if (!p.active) return true;
    const std::string id = AsciiLower(p.id);
    if (id == needle) exact.push_back(p);
    else if (id.starts_with(needle) || AsciiLower(p.title).find(needle) != std::string::npos) found.push_back(p);
    if (exact.size() + found.size() > limit) more = true;
    if (found.size() > limit) found.pop_back();  // never more than a page held
    return true;
  });
  if (!s.ok()) return Failure(call.log_fields, s);
  found.insert(found.begin(), exact.begin(), exact.end());
  if (found.size() > limit) found.resize(limit);
  JsonWriter w;
  w.BeginObject().Key("products").BeginArray();
  for (const Product& p : found) {
    w.BeginObject().Key("id").String(p.id).Key("title").String(p.title).Key("category").String(p.category);
    w.Key("price").Micros6(p.price).EndObject();
  }
  w.EndArray().Key("more").Bool(more).EndObject();
  return Json(200, w.Take());
}

HttpResponse Api::ExportCatalog(Call& call) {
  std::string_view kind = call.query.Get("kind");
  if (kind.empty()) kind = "products";
  std::string out;
  size_t lines = 0;
  auto line = [&](std::string json) {
    out += json;
    out.push_back('\n');
    ++lines;
    return true;
  };
  Catalog& catalog = call.cell->catalog();
  Status s;
  if (kind == "products") s = catalog.ForEachProduct([&](const Product& p) { return line(ProductToJson(p)); });
  else if (kind == "stores") s = catalog.ForEachStore([&](const StoreLocation& st) { return line(StoreToJson(st)); });
  else if (kind == "inventory") s = catalog.ForEachInventory([&](const InventoryLevel& l) { return line(InventoryToJson(l)); });
  else return ErrorResponse(400, CodeName(Code::kInvalidArgument), "must be products, stores or inventory", "kind");
  if (!s.ok()) return Failure(call.log_fields, s);
  call.log_fields = ",\"lines\":" + std::to_string(lines);
  HttpResponse r = Json(200, std::move(out));
  r.content_type = "application/x-ndjson";
  return r;
}

HttpResponse Api::GetStore(Call& call) {
  auto store = call.cell->catalog().GetStore(call.params.Get("id"));
  if (!store.ok()) return Failure(call.log_fields, store.status());
  if (!store.value())
    return ErrorResponse(404, CodeName(Code::kNotFound), "no store with this id", "id");
  return Json(200, StoreToJson(*store.value()));
}

}  // namespace confide
