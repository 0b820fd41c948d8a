// xgrad — reading numeric tables from CSV files (plain or gzip-compressed): feature columns become
// a [rows, features] tensor, an optional label column (chosen by name or index) the target.
// A cell that is not a number raises IoError naming the line, the column and the text.
//
//   auto iris = xg::data::read_csv("iris.csv", {.label = "species", .encode_labels = true});
//   xg::data::TensorDataset ds = iris.dataset();   // data float32 [150, 4], target int64 [150]
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "xgrad/data/dataset.hpp"
#include "xgrad/tensor.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::data {

/// A column named by its header text, or by its 0-based index (negative counts from the end,
/// so -1 is the last column).
class Column {
 public:
  /// A column by its header text.
  ///@{
  Column(std::string name) : name_(std::move(name)) {}  // NOLINT: implicit on purpose
  Column(const char* name) : name_(name) {}             // NOLINT: implicit on purpose
  ///@}

  /// A column by its 0-based index (negative counts from the end).
  ///@{
  Column(std::int64_t index) : index_(index) {}  // NOLINT: implicit on purpose
  Column(int index) : index_(index) {}           // NOLINT: implicit on purpose
  ///@}

  /// True when the column was given by name.
  bool is_name() const { return !index_.has_value(); }
  /// The header text (when is_name()).
  const std::string& name() const { return name_; }
  /// The index (when not is_name()).
  std::int64_t index() const { return *index_; }

 private:
  std::string name_;
  std::optional<std::int64_t> index_;
};

/// How read_csv reads a file.
struct CsvOptions {
  /// The first line holds column names.
  bool header = true;
  /// The target column; every other column is a feature. None: all columns are features.
  std::optional<Column> label = std::nullopt;
  /// the field separator (not a quote or a line end)
  ///@{
  char delimiter = ',';
  ///@}

  /// dtype of the features (floating point).
  Dtype dtype = kFloat32;
  /// dtype of the labels: int64 for classes (cells must hold integers, "3" or "3.0"), or a
  /// floating dtype for regression targets.
  Dtype label_dtype = kInt64;
  /// Labels are names ("setosa"): they become class indices in sorted order of the names, which
  /// are kept in CsvData::classes (scikit-learn's LabelEncoder). Needs label_dtype int64.
  bool encode_labels = false;
};

/// What read_csv returns.
struct CsvData {
  Tensor data;                       ///< [rows, features] of CsvOptions::dtype
  Tensor target;                     ///< [rows] of label_dtype; undefined without a label column
  std::vector<std::string> columns;  ///< feature column names (empty without a header)
  std::string label_name;            ///< the label column's name (empty without a header)
  std::vector<std::string> classes;  ///< class names when encode_labels, index = class
  /// The table as a dataset.
  TensorDataset dataset() const { return TensorDataset(data, target); }
};

/// Reads a CSV file of numbers (RFC 4180: fields may be quoted, "" is a quote inside quotes; CRLF
/// line ends and blank lines are accepted; spaces around a number are ignored). Every row must
/// have as many fields as the first. Throws IoError for a missing or unreadable file, a ragged
/// row, or a cell that is empty or not a number (naming the line, the column and the text);
/// ValueError / IndexError for a label column that does not exist.
CsvData read_csv(const std::string& path, const CsvOptions& options = {});

}  // namespace xg::data

XGRAD_API_END
