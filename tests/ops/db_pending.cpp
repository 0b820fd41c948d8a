// Temporary: empty weak definitions of the family entry functions, overridden by each family's
// db_*.cpp as it lands. Removed once every family file exists.
#include "ops/op_db.hpp"
namespace xg::testing {
__attribute__((weak)) void add_unary_ops(std::vector<OpInfo>&) {}
__attribute__((weak)) void add_binary_ops(std::vector<OpInfo>&) {}
__attribute__((weak)) void add_activation_ops(std::vector<OpInfo>&) {}
__attribute__((weak)) void add_reduce_ops(std::vector<OpInfo>&) {}
__attribute__((weak)) void add_shape_ops(std::vector<OpInfo>&) {}
__attribute__((weak)) void add_index_ops(std::vector<OpInfo>&) {}
__attribute__((weak)) void add_linalg_ops(std::vector<OpInfo>&) {}
}  // namespace xg::testing
