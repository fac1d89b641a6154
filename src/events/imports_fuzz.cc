// libFuzzer target for the file imports: a column map (--map) and a CSV or
// NDJSON file read through it into events, the MovieLens ratings reader,
// and the Instacart reader. The input's first line is the map, the rest
// the file; or the whole input is a ratings file; or, when it holds a form
// feed, the Instacart orders file before it and the items file after. Every file must read or
// be refused with an error, row by row, never crash, hang or leak.
// Built and run by `make fuzz` (clang++ -fsanitize=fuzzer,address,undefined).
#include <unistd.h>

#include <cstddef>
#include <filesystem>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "events/event.h"
#include "events/instacart.h"
#include "events/movielens.h"
#include "events/record_reader.h"

namespace {

using namespace confide;

// The input as a file the readers can open, removed after the input.
class InputFile {
 public:
  InputFile(std::string_view content, const char* extension)
      : path_("/tmp/confide-imports-fuzz-" + std::to_string(::getpid()) + extension) {
    std::FILE* f = std::fopen(path_.c_str(), "wb");
    if (!f) std::abort();
    std::fwrite(content.data(), 1, content.size(), f);
    std::fclose(f);
  }
  ~InputFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void ReadThroughMap(std::string_view spec, std::string_view content, FileFormat format) {
  ReaderOptions options;
  options.format = format;
  if (auto map = ParseFieldMap(spec); map.ok()) options.map = std::move(*map);
  else if (map.status().message().empty()) std::abort();
  const InputFile file(content, format == FileFormat::kCsv ? ".csv" : ".ndjson");
  auto reader = RecordReader::Open(file.path(), options);
  if (!reader.ok()) {
    if (reader.status().message().empty()) std::abort();
    return;
  }
  Record record;
  RowError error;
  for (int rows = 0; rows < 1000 && (*reader)->Next(record, error); ++rows) {
    if (error.bad) {
      if (error.reason.empty()) std::abort();
      continue;
    }
    auto event = EventFromRecord(record);
    if (!event.ok() && event.status().field().empty()) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const size_t newline = text.find('\n');
  const std::string_view spec = text.substr(0, newline);
  const std::string_view file = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
  if (const size_t split = text.find('\f'); split != std::string_view::npos) {
    const std::string dir = "/tmp/confide-instacart-fuzz-" + std::to_string(::getpid());
    std::filesystem::create_directories(dir);
    {
      const InputFile orders(text.substr(0, split), ".csv");
      const InputFile items(text.substr(split + 1), ".items.csv");
      std::filesystem::rename(orders.path(), dir + "/orders_demo.csv");
      std::filesystem::rename(items.path(), dir + "/order_items_demo.csv");
    }
    auto read = ReadInstacart(dir, [](const Record& record) {
      if (auto event = EventFromRecord(record); !event.ok()) {
        std::fprintf(stderr, "an Instacart row read as an invalid event: %s\n", event.status().ToString().c_str());
        std::abort();
      }
    });
    if (!read.ok() && read.status().message().empty()) std::abort();
    return 0;
  }
  // One reader per input (each opens a file and a buffer): chosen by the
  // input's length, which the fuzzer varies.
  if (size % 3 == 0) {
    ReadThroughMap(spec, file, FileFormat::kCsv);
  } else if (size % 3 == 1) {
    ReadThroughMap(spec, file, FileFormat::kNdjson);
  } else {
    const InputFile ratings_file(text, ".data");
    auto ratings = ReadMovieLens(ratings_file.path(), [](const Record&) {});
    if (!ratings.ok() && ratings.status().message().empty()) std::abort();
  }
  return 0;
}
