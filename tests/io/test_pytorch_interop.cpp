// A model saved by xgrad loads into the equivalent torch.nn model with load_state_dict(strict=True),
// and weights PyTorch changes come back: forward outputs agree on both sides.
#include <catch2/catch.hpp>

#include <xgrad/io.hpp>
#include <xgrad/nn.hpp>
#include <xgrad/xgrad.hpp>

#include "data/temp_dir.hpp"
#include "io/python.hpp"

using namespace xg;

namespace {

// The Python side. The `safetensors` Python package is not packaged by Debian (only PyTorch is
// installed system-wide), so the script reads and writes the format itself with json + struct +
// torch.frombuffer — a few lines, which also checks that xgrad's files follow the published
// layout rather than just agreeing with xgrad's own reader.
constexpr const char* kScript = R"PY(
import json, struct, sys
import torch
DT = {'F32': torch.float32, 'F64': torch.float64, 'I64': torch.int64, 'BOOL': torch.bool}
def load(path):
    b = open(path, 'rb').read()
    n = struct.unpack('<Q', b[:8])[0]
    header = json.loads(b[8:8 + n])
    out = {}
    for k, v in header.items():
        if k == '__metadata__':
            continue
        s, e = v['data_offsets']
        raw = bytearray(b[8 + n + s:8 + n + e])
        t = torch.frombuffer(raw, dtype=DT[v['dtype']]) if raw else torch.zeros(0, dtype=DT[v['dtype']])
        out[k] = t.reshape(v['shape'])
    return out
def save(tensors, path):
    names = {v: k for k, v in DT.items()}
    header, data = {}, b''
    for k, t in tensors.items():
        raw = t.detach().contiguous().numpy().tobytes()
        header[k] = {'dtype': names[t.dtype], 'shape': list(t.shape), 'data_offsets': [len(data), len(data) + len(raw)]}
        data += raw
    h = json.dumps(header).encode()
    h += b' ' * ((8 - len(h) % 8) % 8)
    open(path, 'wb').write(struct.pack('<Q', len(h)) + h + data)

d = sys.argv[1]
nn = torch.nn
model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 6), nn.Tanh(), nn.Linear(6, 3))
model.load_state_dict(load(d + '/model.safetensors'), strict=True)
x = load(d + '/input.safetensors')['x']
model.eval()
with torch.no_grad():
    y = model(x)
    for p in model.parameters():
        p.mul_(0.5)
    model[1].running_mean.add_(1.0)
    model[1].num_batches_tracked.add_(5)
    y2 = model(x)
save({'y': y, 'y_modified': y2}, d + '/outputs.safetensors')
save(model.state_dict(), d + '/modified.safetensors')
)PY";

nn::Sequential net() {
  return nn::Sequential(nn::Linear(4, 8), nn::BatchNorm1d(8), nn::ReLU(), nn::Linear(8, 6), nn::Tanh(),
                        nn::Linear(6, 3));
}

}  // namespace

TEST_CASE("io::save: PyTorch loads the model strictly, computes the same outputs, and its weights load back",
          "[io][python]") {
  const auto python = testing::python_with("torch");
  if (!python) {
    WARN("skipped: no python3 with torch (set XGRAD_PYTHON to an interpreter that has it)");
    return;
  }
  testing::TempDir dir;
  manual_seed(42);
  auto model = net();
  model->train();
  for (int i = 0; i < 3; ++i) model->forward(randn({16, 4}) * 2.0 + 0.5);  // non-trivial running statistics
  model->eval();
  const Tensor x = randn({5, 4});
  io::save(*model, dir / "model.safetensors");
  OrderedDict<std::string, Tensor> in;
  in.insert("x", x);
  io::save_safetensors(in, dir / "input.safetensors");
  testing::write_text(dir / "script.py", kScript);

  std::string args = "'";  // (built step by step: GCC 12 warns falsely on "'" + str + "'")
  args.append(dir.str()).append("'");
  const int code = testing::run_python(*python, dir / "script.py", args, dir / "log.txt");
  const auto log = testing::read_bytes(dir / "log.txt");
  INFO("python output:\n" << std::string(log.begin(), log.end()));
  REQUIRE(code == 0);

  const auto outputs = io::load_safetensors(dir / "outputs.safetensors");
  const Tensor y = model->forward(x);
  CHECK(allclose(outputs["y"], y, 1e-5, 1e-6));

  auto fresh = net();
  io::load(*fresh, dir / "modified.safetensors");  // strict: PyTorch's names are xgrad's names
  fresh->eval();
  CHECK(fresh->state_dict()["1.num_batches_tracked"].item<std::int64_t>() == 3 + 5);
  CHECK(allclose(fresh->state_dict()["0.weight"], model->state_dict()["0.weight"] * 0.5));
  CHECK(allclose(outputs["y_modified"], fresh->forward(x), 1e-5, 1e-6));
  CHECK_FALSE(allclose(outputs["y_modified"], y, 1e-3, 1e-3));
}
