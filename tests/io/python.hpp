// Finding a Python interpreter that has the modules a cross-check needs (PyTorch, h5py). The
// first of $XGRAD_PYTHON, /usr/bin/python3 (Debian's, where python3-torch installs) and python3
// on the PATH that imports them all; none → the test is skipped with a warning.
#pragma once
#include <cstdlib>
#include <optional>
#include <string>
#include <sys/wait.h>
#include <vector>

namespace xg::testing {

/// The interpreter command, or nullopt. `modules` like "torch" or "h5py, numpy". The modules are
/// looked up (importlib.util.find_spec), not imported: importing torch alone takes seconds.
inline std::optional<std::string> python_with(const std::string& modules) {
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("XGRAD_PYTHON"); env && *env) candidates.emplace_back(env);
  candidates.emplace_back("/usr/bin/python3");
  candidates.emplace_back("python3");
  for (const auto& py : candidates) {
    std::string cmd = "'";
    cmd.append(py).append(
        "' -c 'import importlib.util as u, sys; sys.exit(any(u.find_spec(m.strip()) is None for m in \"");
    cmd.append(modules).append("\".split(\",\")))' > /dev/null 2>&1");
    const int status = std::system(cmd.c_str());
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return py;
  }
  return std::nullopt;
}

/// Runs `python script args…` with output captured into `log`; returns the exit code.
inline int run_python(const std::string& python, const std::string& script, const std::string& args,
                      const std::string& log) {
  const std::string cmd = "'" + python + "' '" + script + "' " + args + " > '" + log + "' 2>&1";
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace xg::testing
