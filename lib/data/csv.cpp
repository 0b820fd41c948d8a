// CSV reading: an RFC 4180 record parser (quotes, "" escapes, CRLF), then a numeric pass that
// reports the exact line and column of the first cell it cannot read.
#include "xgrad/data/csv.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <sstream>

#include "data/gz_file.hpp"
#include "xgrad/ops.hpp"

namespace xg::data {

namespace {

struct Record {
  std::vector<std::string> fields;
  std::int64_t line = 0;  // where the record starts, 1-based
};

std::vector<Record> parse_records(const std::string& text, char delim, const std::string& path) {
  std::vector<Record> records;
  const std::size_t n = text.size();
  std::size_t i = 0;
  std::int64_t line = 1;
  while (i < n) {
    Record rec;
    rec.line = line;
    std::string field;
    bool quoted = false, any_quote = false, end = false;
    while (!end) {
      if (i == n) break;
      const char c = text[i];
      if (quoted) {
        if (c == '"') {
          if (i + 1 < n && text[i + 1] == '"') {  // "" inside quotes is one quote
            field += '"';
            i += 2;
          } else {
            quoted = false;
            ++i;
          }
        } else {
          if (c == '\n') ++line;
          field += c;
          ++i;
        }
      } else if (c == '"' && field.find_first_not_of(" \t") == std::string::npos) {
        quoted = any_quote = true;
        field.clear();
        ++i;
      } else if (c == delim) {
        rec.fields.push_back(std::move(field));
        field.clear();
        ++i;
      } else if (c == '\n' || c == '\r') {
        i += (c == '\r' && i + 1 < n && text[i + 1] == '\n') ? 2 : 1;
        ++line;
        end = true;
      } else {
        field += c;
        ++i;
      }
    }
    XG_CHECK(!quoted, IoError, "read_csv: '", path, "' line ", rec.line,
             ": a quoted field is not closed before the "
             "end of the file");
    const bool blank = rec.fields.empty() && !any_quote && field.find_first_not_of(" \t") == std::string::npos;
    rec.fields.push_back(std::move(field));
    if (!blank) records.push_back(std::move(rec));
  }
  return records;
}

std::string_view trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

/// The number a cell holds, or nullopt.
std::optional<double> parse_double(std::string_view s) {
  s = trim(s);
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  double v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string describe_columns(const std::vector<std::string>& names) {
  std::ostringstream os;
  for (std::size_t k = 0; k < names.size(); ++k) os << (k ? ", " : "") << "'" << names[k] << "'";
  return os.str();
}

void check_options(const CsvOptions& options) {
  XG_CHECK(options.dtype == kFloat32 || options.dtype == kFloat64, DtypeError,
           "read_csv: the feature dtype must be float32 or float64, got ", options.dtype);
  XG_CHECK(options.label_dtype != kBool, DtypeError, "read_csv: the label dtype must be int64, float32 or float64");
  XG_CHECK(!options.encode_labels || options.label_dtype == kInt64, DtypeError,
           "read_csv: encode_labels makes class indices, so label_dtype must be int64, got ", options.label_dtype);
  XG_CHECK(!options.encode_labels || options.label.has_value(), ValueError,
           "read_csv: encode_labels needs a label column");
  XG_CHECK(options.delimiter != '"' && options.delimiter != '\n' && options.delimiter != '\r', ValueError,
           "read_csv: the delimiter cannot be a quote or a line end");
}

/// The position of the label column among the `ncols` columns (by name through the header `names`,
/// or by index, negative from the end), or nullopt when there is no label (or no record to count
/// columns in).
std::optional<std::size_t> find_label_column(const CsvOptions& options, const std::vector<std::string>& names,
                                             bool any_record, std::size_t ncols, const std::string& path) {
  if (!options.label) return std::nullopt;
  const Column& col = *options.label;
  if (col.is_name()) {
    XG_CHECK(options.header, ValueError, "read_csv: the label column '", col.name(),
             "' is given by name, which needs header = true");
    const auto it = std::find(names.begin(), names.end(), col.name());
    XG_CHECK(it != names.end(), ValueError, "read_csv: '", path, "' has no column named '", col.name(),
             "' (its columns are ", describe_columns(names), ")");
    return static_cast<std::size_t>(it - names.begin());
  }
  if (!any_record) return std::nullopt;
  const auto nc = static_cast<std::int64_t>(ncols);
  const std::int64_t idx = col.index() < 0 ? col.index() + nc : col.index();
  XG_CHECK(idx >= 0 && idx < nc, IndexError, "read_csv: label column index ", col.index(), " is out of range for '",
           path, "', which has ", nc, " columns");
  return static_cast<std::size_t>(idx);
}

/// The cells of the data rows, read: features row-major, and the labels as numbers or (with
/// encode_labels) as trimmed text.
struct Cells {
  std::vector<double> features;
  std::vector<double> labels;
  std::vector<std::string> label_text;
};

Cells read_cells(const std::vector<Record>& records, std::size_t first_row, std::size_t ncols,
                 std::optional<std::size_t> label, const std::vector<std::string>& names, const CsvOptions& options,
                 const std::string& path) {
  Cells cells;
  const std::size_t nrows = records.size() - std::min(first_row, records.size());
  cells.features.reserve(nrows * (ncols - (label ? 1 : 0)));
  auto where = [&](const Record& r, std::size_t c) {
    std::string s = xg::detail::concat("read_csv: '", path, "' line ", r.line, ", column ", c + 1);
    if (c < names.size()) s += " ('" + names[c] + "')";
    return s;
  };
  for (std::size_t row = first_row; row < records.size(); ++row) {
    const Record& r = records[row];
    XG_CHECK(r.fields.size() == ncols, IoError, "read_csv: '", path, "' line ", r.line, " has ", r.fields.size(),
             " fields but line ", records[0].line, " has ", ncols);
    for (std::size_t c = 0; c < ncols; ++c) {
      const std::string& cell = r.fields[c];
      if (label && c == *label) {
        if (options.encode_labels) {
          const std::string_view t = trim(cell);
          XG_CHECK(!t.empty(), IoError, where(r, c), ": the label is empty");
          cells.label_text.emplace_back(t);
          continue;
        }
        const std::optional<double> v = parse_double(cell);
        XG_CHECK(v.has_value(), IoError, where(r, c), ": cannot read '", cell, "' as a number",
                 (trim(cell).empty() ? " (the cell is empty)" : ""));
        if (options.label_dtype == kInt64)
          XG_CHECK(*v == std::trunc(*v) && std::abs(*v) <= 9007199254740992.0, IoError, where(r, c), ": '", cell,
                   "' is not an integer class label (read labels as float with label_dtype, or as names with "
                   "encode_labels)");
        cells.labels.push_back(*v);
      } else {
        const std::optional<double> v = parse_double(cell);
        XG_CHECK(v.has_value(), IoError, where(r, c), ": cannot read '", cell, "' as a number",
                 (trim(cell).empty() ? " (the cell is empty)" : ""));
        cells.features.push_back(*v);
      }
    }
  }
  return cells;
}

/// Class names to indices: the sorted distinct names are the classes, a label is its name's position.
void encode_labels(const std::vector<std::string>& label_text, std::int64_t rows, CsvData& out) {
  std::vector<std::string> classes = label_text;
  std::sort(classes.begin(), classes.end());
  classes.erase(std::unique(classes.begin(), classes.end()), classes.end());
  std::vector<std::int64_t> codes;
  codes.reserve(label_text.size());
  for (const auto& t : label_text)
    codes.push_back(std::lower_bound(classes.begin(), classes.end(), t) - classes.begin());
  out.target = from_vector(codes, {rows});
  out.classes = std::move(classes);
}

}  // namespace

CsvData read_csv(const std::string& path, const CsvOptions& options) {
  check_options(options);
  std::string text;
  {
    detail::GzReader in(path, "read_csv");
    text = in.read_all();
  }
  std::vector<Record> records = parse_records(text, options.delimiter, path);
  text.clear();

  CsvData out;
  std::vector<std::string> names;
  std::size_t first_row = 0;
  if (options.header) {
    XG_CHECK(!records.empty(), IoError, "read_csv: '", path, "' is empty but a header line was expected");
    for (const auto& f : records[0].fields) names.emplace_back(trim(f));
    first_row = 1;
  }
  const std::size_t ncols = !records.empty() ? records[0].fields.size() : 0;
  const std::optional<std::size_t> label = find_label_column(options, names, !records.empty(), ncols, path);
  const std::size_t nfeat = ncols - (label ? 1 : 0);
  XG_CHECK(records.empty() || nfeat > 0, ValueError, "read_csv: '", path, "' has no feature column besides the label");
  for (std::size_t c = 0; c < names.size(); ++c) {
    if (label && c == *label) out.label_name = names[c];
    else out.columns.push_back(names[c]);
  }

  const Cells cells = read_cells(records, first_row, ncols, label, names, options, path);
  const auto rows = static_cast<std::int64_t>(records.size() - std::min(first_row, records.size()));
  out.data = from_vector(cells.features, {rows, static_cast<std::int64_t>(nfeat)}, options.dtype);
  if (label) {
    if (options.encode_labels) encode_labels(cells.label_text, rows, out);
    else out.target = from_vector(cells.labels, {rows}, options.label_dtype);
  }
  return out;
}

}  // namespace xg::data
