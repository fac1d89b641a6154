#include "events/instacart.h"

#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <memory>
#include <numeric>
#include <optional>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "events/record_reader.h"

namespace confide {
namespace {

constexpr Micros kMicrosPerHour = 3600 * kMicrosPerSecond;
constexpr Micros kMicrosPerMinute = 60 * kMicrosPerSecond;

struct Order {
  uint64_t order_id = 0;
  uint64_t user_id = 0;
  uint64_t number = 0;
  uint64_t hour = 0;
  std::optional<uint64_t> days_prior;  // gap before this order; empty on the first
  uint64_t line = 0;
  Micros time = 0;
  std::string time_text;
};

struct Item {
  size_t rank;  // position of its order in (user, order_number) order
  uint64_t add_to_cart;
  uint64_t product_id;
  uint64_t line;
};

// "12" or, as pandas writes integer columns that had gaps, "12.0".
std::optional<uint64_t> ParseCount(std::string_view s) {
  size_t dot = s.find('.');
  if (dot != std::string_view::npos) {
    if (s.find_first_not_of('0', dot + 1) != std::string_view::npos) return std::nullopt;
    s = s.substr(0, dot);
  }
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

Status BadRow(const std::string& path, uint64_t line, const std::string& message) {
  return Status(Code::kInvalidArgument, path + ":" + std::to_string(line) + ": " + message);
}

Result<std::string> FindFile(const std::string& dir, const std::string& name) {
  std::string plain = dir + "/" + name;
  struct stat st;
  if (::stat(plain.c_str(), &st) == 0) return plain;
  if (::stat((plain + ".gz").c_str(), &st) == 0) return plain + ".gz";
  return Status(Code::kNotFound, plain + ": no such file (nor " + name + ".gz)");
}

// Calls `row(record, line)` for each row of a CSV file that has `columns`.
template <typename RowFn>
Status ReadCsv(const std::string& path, std::initializer_list<std::string_view> columns,
               RowFn&& row) {
  ReaderOptions options;
  options.format = FileFormat::kCsv;
  auto reader = RecordReader::Open(path, options);
  if (!reader.ok()) return reader.status();
  const auto& have = (*reader)->columns();
  for (std::string_view c : columns)
    if (std::find(have.begin(), have.end(), c) == have.end())
      return Status(Code::kInvalidArgument, path + ": no column " + std::string(c));
  Record record;
  RowError error;
  while ((*reader)->Next(record, error)) {
    uint64_t line = (*reader)->line();
    if (error.bad) return BadRow(path, line, error.reason);
    CONFIDE_RETURN_IF_ERROR(row(record, line));
  }
  return (*reader)->status();
}

// Reads a required integer field of a row.
Status GetCount(const Record& r, std::string_view field, const std::string& path, uint64_t line,
                uint64_t& out) {
  std::string_view text = r.Get(field);
  std::optional<uint64_t> v = ParseCount(text);
  if (!v)
    return BadRow(
        path, line,
        std::string(field) + " must be a whole number, not \"" + std::string(text) + "\"");
  out = *v;
  return {};
}

// Places the orders of one user, sorted by order_number, in time.
Status PlaceOrders(std::vector<Order>& orders, const std::vector<size_t>& sorted, size_t begin,
                   size_t end, const std::string& path) {
  std::vector<int64_t> day(end - begin);
  day.back() = kInstacartAnchorDay;
  for (size_t k = end - 1; k-- > begin;) {
    const Order& next = orders[sorted[k + 1]];
    if (!next.days_prior)
      return BadRow(path, next.line,
                    "days_since_prior_order is empty on order_number " +
                        std::to_string(next.number) + " of user " + std::to_string(next.user_id) +
                        ", which is not the user's first order");
    day[k - begin] = day[k + 1 - begin] - static_cast<int64_t>(*next.days_prior);
  }
  for (size_t k = begin; k < end; ++k) {
    Order& o = orders[sorted[k]];
    o.time = day[k - begin] * kMicrosPerDay + static_cast<Micros>(o.hour) * kMicrosPerHour;
    if (k > begin) o.time = std::max(o.time, orders[sorted[k - 1]].time + kMicrosPerMinute);
    o.time_text = FormatRfc3339(o.time);
  }
  return {};
}

// orders_demo.csv: the orders, and where each order_id is.
struct Orders {
  std::vector<Order> orders;
  std::unordered_map<uint64_t, size_t> by_id;
};

Status ReadOrders(const std::string& path, Orders& out) {
  return ReadCsv(
      path, {"order_id", "user_id", "order_number", "order_hour_of_day", "days_since_prior_order"},
      [&](const Record& r, uint64_t line) -> Status {
        Order o;
        o.line = line;
        CONFIDE_RETURN_IF_ERROR(GetCount(r, "order_id", path, line, o.order_id));
        CONFIDE_RETURN_IF_ERROR(GetCount(r, "user_id", path, line, o.user_id));
        CONFIDE_RETURN_IF_ERROR(GetCount(r, "order_number", path, line, o.number));
        CONFIDE_RETURN_IF_ERROR(GetCount(r, "order_hour_of_day", path, line, o.hour));
        if (o.hour > 23) return BadRow(path, line, "order_hour_of_day must be 0 to 23");
        if (!r.Get("days_since_prior_order").empty()) {
          uint64_t days = 0;
          CONFIDE_RETURN_IF_ERROR(GetCount(r, "days_since_prior_order", path, line, days));
          o.days_prior = days;
        }
        if (!out.by_id.emplace(o.order_id, out.orders.size()).second)
          return BadRow(path, line, "order_id " + std::to_string(o.order_id) + " repeated");
        out.orders.push_back(std::move(o));
        return {};
      });
}

// Sorts the orders by (user_id, order_number) into `sorted` and places
// each user's orders in time; counts the users.
Status PlaceAllOrders(std::vector<Order>& orders, std::vector<size_t>& sorted, const std::string& path,
                      InstacartSummary& summary) {
  sorted.resize(orders.size());
  std::iota(sorted.begin(), sorted.end(), size_t{0});
  std::sort(sorted.begin(), sorted.end(), [&](size_t a, size_t b) {
    return std::tie(orders[a].user_id, orders[a].number) <
           std::tie(orders[b].user_id, orders[b].number);
  });
  for (size_t begin = 0, end; begin < sorted.size(); begin = end) {
    const uint64_t user = orders[sorted[begin]].user_id;
    for (end = begin + 1; end < sorted.size() && orders[sorted[end]].user_id == user; ++end) {
      const Order& o = orders[sorted[end]];
      if (o.number == orders[sorted[end - 1]].number)
        return BadRow(path, o.line,
                      "order_number " + std::to_string(o.number) + " repeated for user " +
                          std::to_string(user));
    }
    CONFIDE_RETURN_IF_ERROR(PlaceOrders(orders, sorted, begin, end, path));
    ++summary.users;
  }
  return {};
}

// order_items_demo.csv, sorted by (order rank, add_to_cart_order); an item
// of an unknown order or a repeated add_to_cart_order is an error.
Status ReadItems(const std::string& path, const Orders& orders, const std::vector<size_t>& sorted,
                 std::vector<Item>& items) {
  std::vector<size_t> rank(orders.orders.size());
  for (size_t k = 0; k < sorted.size(); ++k) rank[sorted[k]] = k;
  CONFIDE_RETURN_IF_ERROR(ReadCsv(
      path, {"order_id", "product_id", "add_to_cart_order"},
      [&](const Record& r, uint64_t line) -> Status {
        Item item{0, 0, 0, line};
        uint64_t order_id = 0;
        CONFIDE_RETURN_IF_ERROR(GetCount(r, "order_id", path, line, order_id));
        CONFIDE_RETURN_IF_ERROR(GetCount(r, "product_id", path, line, item.product_id));
        CONFIDE_RETURN_IF_ERROR(
            GetCount(r, "add_to_cart_order", path, line, item.add_to_cart));
        auto it = orders.by_id.find(order_id);
        if (it == orders.by_id.end())
          return BadRow(path, line,
                        "order_id " + std::to_string(order_id) + " is not in orders_demo.csv");
        item.rank = rank[it->second];
        items.push_back(item);
        return {};
      }));
  std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    return std::tie(a.rank, a.add_to_cart) < std::tie(b.rank, b.add_to_cart);
  });
  for (size_t i = 1; i < items.size(); ++i)
    if (items[i].rank == items[i - 1].rank && items[i].add_to_cart == items[i - 1].add_to_cart)
      return BadRow(path, std::max(items[i].line, items[i - 1].line),
                    "add_to_cart_order " + std::to_string(items[i].add_to_cart) +
                        " repeated in order " +
                        std::to_string(orders.orders[sorted[items[i].rank]].order_id));
  return {};
}

// Calls `fn` with each item as a purchase record.
void EmitItems(const std::vector<Item>& items, const std::vector<Order>& orders,
               const std::vector<size_t>& sorted, const std::function<void(const Record&)>& fn) {
  // Values are written into these buffers and viewed by the record.
  char user[24], product[24], order_id[24], position[24];
  std::string event_id;
  auto text = [](char* buf, size_t size, uint64_t v) {
    return std::string_view(buf, static_cast<size_t>(std::to_chars(buf, buf + size, v).ptr - buf));
  };
  Record record;
  for (const Item& item : items) {
    const Order& o = orders[sorted[item.rank]];
    std::string_view order_text = text(order_id, sizeof order_id, o.order_id);
    event_id.assign("ic-")
        .append(order_text)
        .append("-")
        .append(text(position, sizeof position, item.add_to_cart));
    record.Clear();
    record.Add("event_id", event_id);
    record.Add("type", "purchase");
    record.Add("timestamp", o.time_text);
    record.Add("customer_id", text(user, sizeof user, o.user_id));
    record.Add("channel", "app");
    record.Add("product_id", text(product, sizeof product, item.product_id));
    record.Add("quantity", "1");
    record.Add("order_id", order_text);
    fn(record);
  }
}

}  // namespace

Result<InstacartSummary> ReadInstacart(const std::string& dir,
                                       const std::function<void(const Record&)>& fn) {
  auto orders_path = FindFile(dir, "orders_demo.csv");
  if (!orders_path.ok()) return orders_path.status();
  auto items_path = FindFile(dir, "order_items_demo.csv");
  if (!items_path.ok()) return items_path.status();

  Orders orders;
  CONFIDE_RETURN_IF_ERROR(ReadOrders(*orders_path, orders));
  InstacartSummary summary;
  summary.orders = orders.orders.size();
  std::vector<size_t> sorted;
  CONFIDE_RETURN_IF_ERROR(PlaceAllOrders(orders.orders, sorted, *orders_path, summary));
  std::vector<Item> items;
  CONFIDE_RETURN_IF_ERROR(ReadItems(*items_path, orders, sorted, items));
  EmitItems(items, orders.orders, sorted, fn);
  summary.items = items.size();
  return summary;
}

}  // namespace confide
