// xgrad — an insertion-ordered dictionary (LibTorch's torch::OrderedDict).
// Modules keep parameters, buffers and children in it, and state dicts are OrderedDicts of
// named tensors, so names come back in the order they were registered, as in PyTorch.
//
//   xg::OrderedDict<std::string, xg::Tensor> d;
//   d.insert("weight", w);
//   for (const auto& item : d) std::cout << item.key() << "\n";
#pragma once
#include <cstddef>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "xgrad/error.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg {

template <class Key, class Value>
/// A map that keeps insertion order (LibTorch's OrderedDict): what named_parameters() and
/// state dicts return. Iterating yields Items in order.
class OrderedDict {
 public:
  /// One entry; `key()` / `value()` as in LibTorch, `first` / `second` as in std::pair.
  struct Item {
    /// The key.
    Key first;
    /// The value.
    Value second;
    /// The key.
    const Key& key() const { return first; }
    /// The value.
    Value& value() { return second; }
    /// The value.
    const Value& value() const { return second; }
  };
  /// Iterators over the Items, in insertion order.
  ///@{
  using iterator = typename std::vector<Item>::iterator;
  using const_iterator = typename std::vector<Item>::const_iterator;
  ///@}

  OrderedDict() = default;
  /// `{{"a", x}, {"b", y}}` (a repeated key is a ValueError).
  OrderedDict(std::initializer_list<Item> items) {
    for (const auto& it : items) insert(it.first, it.second);
  }

  /// Adds a new entry; a key that is already present is a ValueError.
  Value& insert(Key key, Value value) {
    XG_CHECK(index_.find(key) == index_.end(), ValueError, "OrderedDict: key '", key, "' is already present");
    index_.emplace(key, items_.size());
    items_.push_back(Item{std::move(key), std::move(value)});
    return items_.back().second;
  }
  /// Adds or replaces.
  Value& insert_or_assign(Key key, Value value) {
    if (auto it = index_.find(key); it != index_.end()) return items_[it->second].second = std::move(value);
    return insert(std::move(key), std::move(value));
  }
  /// The value of `key`; IndexError listing the keys when absent.
  Value& operator[](const Key& key) { return items_[position(key)].second; }
  /// The value of `key`; IndexError listing the keys when absent.
  const Value& operator[](const Key& key) const { return items_[position(key)].second; }
  /// The value of `key`, as operator[].
  ///@{
  Value& at(const Key& key) { return (*this)[key]; }
  const Value& at(const Key& key) const { return (*this)[key]; }
  ///@}

  /// Pointer to the value, or nullptr.
  Value* find(const Key& key) {
    auto it = index_.find(key);
    return it == index_.end() ? nullptr : &items_[it->second].second;
  }
  /// Pointer to the value, or nullptr.
  const Value* find(const Key& key) const {
    auto it = index_.find(key);
    return it == index_.end() ? nullptr : &items_[it->second].second;
  }
  /// True when `key` is present.
  bool contains(const Key& key) const { return index_.find(key) != index_.end(); }
  /// Removes `key` (keeping the order of the others); returns whether it was there.
  bool erase(const Key& key) {
    auto it = index_.find(key);
    if (it == index_.end()) return false;
    const std::size_t pos = it->second;
    items_.erase(items_.begin() + static_cast<std::ptrdiff_t>(pos));
    index_.erase(it);
    for (auto& [k, i] : index_)
      if (i > pos) --i;
    return true;
  }
  /// Removes every entry.
  void clear() {
    items_.clear();
    index_.clear();
  }

  /// The number of entries.
  std::size_t size() const { return items_.size(); }
  /// True when there is no entry.
  ///@{
  bool is_empty() const { return items_.empty(); }
  bool empty() const { return items_.empty(); }
  ///@}

  /// The entries in order.
  const std::vector<Item>& items() const { return items_; }
  /// The keys in order.
  std::vector<Key> keys() const {
    std::vector<Key> k;
    k.reserve(items_.size());
    for (const auto& it : items_) k.push_back(it.first);
    return k;
  }
  /// The values in order.
  std::vector<Value> values() const {
    std::vector<Value> v;
    v.reserve(items_.size());
    for (const auto& it : items_) v.push_back(it.second);
    return v;
  }
  /// Iteration over the Items in insertion order.
  ///@{
  iterator begin() { return items_.begin(); }
  iterator end() { return items_.end(); }
  const_iterator begin() const { return items_.begin(); }
  const_iterator end() const { return items_.end(); }
  ///@}

 private:
  std::size_t position(const Key& key) const {
    auto it = index_.find(key);
    if (it == index_.end()) {
      std::string known;
      for (const auto& item : items_) known += (known.empty() ? "'" : ", '") + detail::concat(item.first) + "'";
      throw IndexError(detail::concat("OrderedDict: no key '", key, "' (keys: ", known.empty() ? "none" : known, ")"));
    }
    return it->second;
  }
  std::vector<Item> items_;
  std::unordered_map<Key, std::size_t> index_;
};

}  // namespace xg

XGRAD_API_END
