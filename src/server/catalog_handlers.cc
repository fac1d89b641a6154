// Catalog routes: products, stores and inventory (all-or-nothing PUTs)
// and point reads of products and stores.
#include "server/handlers.h"

#include "server/handler_util.h"
#include "server/http_error.h"

namespace confide {

using namespace handler_util;

HttpResponse Api::PutProducts(Call& call) {
  Catalog& catalog = call.cell->catalog();
  return PutCatalogItems(
      call.request, config_.limits, "products", ProductFromRecord,
      [&](const std::vector<Product>& v) { return catalog.PutProducts(v); }, call.log_fields);
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

HttpResponse Api::GetStore(Call& call) {
  auto store = call.cell->catalog().GetStore(call.params.Get("id"));
  if (!store.ok()) return Failure(call.log_fields, store.status());
  if (!store.value())
    return ErrorResponse(404, CodeName(Code::kNotFound), "no store with this id", "id");
  return Json(200, StoreToJson(*store.value()));
}

}  // namespace confide
