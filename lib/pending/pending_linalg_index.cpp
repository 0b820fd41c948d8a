#include "xgrad/ops.hpp"
namespace xg {
#define XG_PENDING(what) throw Error(std::string(what) + ": not implemented yet")
Tensor matmul(const Tensor&, const Tensor&) { XG_PENDING("matmul"); }
Tensor mm(const Tensor&, const Tensor&) { XG_PENDING("mm"); }
Tensor bmm(const Tensor&, const Tensor&) { XG_PENDING("bmm"); }
Tensor dot(const Tensor&, const Tensor&) { XG_PENDING("dot"); }
Tensor outer(const Tensor&, const Tensor&) { XG_PENDING("outer"); }
Tensor linear(const Tensor&, const Tensor&, const Tensor&) { XG_PENDING("linear"); }
Tensor cat(const TensorList&, std::int64_t) { XG_PENDING("cat"); }
Tensor stack(const TensorList&, std::int64_t) { XG_PENDING("stack"); }
Tensor repeat(const Tensor&, const Shape&) { XG_PENDING("repeat"); }
Tensor index_select(const Tensor&, std::int64_t, const Tensor&) { XG_PENDING("index_select"); }
Tensor gather(const Tensor&, std::int64_t, const Tensor&) { XG_PENDING("gather"); }
Tensor scatter_add(const Tensor&, std::int64_t, const Tensor&, const Tensor&) { XG_PENDING("scatter_add"); }
Tensor index_add(const Tensor&, std::int64_t, const Tensor&, const Tensor&) { XG_PENDING("index_add"); }
Tensor pad(const Tensor&, const Shape&, double) { XG_PENDING("pad"); }
Tensor embedding(const Tensor&, const Tensor&) { XG_PENDING("embedding"); }
}  // namespace xg
