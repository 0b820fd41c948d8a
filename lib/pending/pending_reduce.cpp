#include "xgrad/ops.hpp"
namespace xg {
#define XG_PENDING(what) throw Error(std::string(what) + ": not implemented yet")
Tensor var(const Tensor&, bool) { XG_PENDING("var"); }
Tensor var(const Tensor&, const Shape&, bool, bool) { XG_PENDING("var"); }
Tensor std(const Tensor&, bool) { XG_PENDING("std"); }
Tensor std(const Tensor&, const Shape&, bool, bool) { XG_PENDING("std"); }
Tensor prod(const Tensor&) { XG_PENDING("prod"); }
Tensor prod(const Tensor&, std::int64_t, bool) { XG_PENDING("prod"); }
Tensor max(const Tensor&) { XG_PENDING("max"); }
std::tuple<Tensor, Tensor> max(const Tensor&, std::int64_t, bool) { XG_PENDING("max"); }
Tensor min(const Tensor&) { XG_PENDING("min"); }
std::tuple<Tensor, Tensor> min(const Tensor&, std::int64_t, bool) { XG_PENDING("min"); }
Tensor amax(const Tensor&, const Shape&, bool) { XG_PENDING("amax"); }
Tensor amin(const Tensor&, const Shape&, bool) { XG_PENDING("amin"); }
Tensor argmax(const Tensor&, std::optional<std::int64_t>, bool) { XG_PENDING("argmax"); }
Tensor argmin(const Tensor&, std::optional<std::int64_t>, bool) { XG_PENDING("argmin"); }
Tensor logsumexp(const Tensor&, const Shape&, bool) { XG_PENDING("logsumexp"); }
Tensor norm(const Tensor&, double) { XG_PENDING("norm"); }
Tensor norm(const Tensor&, double, const Shape&, bool) { XG_PENDING("norm"); }
Tensor softmax(const Tensor&, std::int64_t) { XG_PENDING("softmax"); }
Tensor log_softmax(const Tensor&, std::int64_t) { XG_PENDING("log_softmax"); }
}  // namespace xg
