// mica-example-data: inputs for the example pipelines, and what their
// output must be (the native reference computation).
//
//   mica-example-data generate analytics|inference|logs [--size N] [--seed S] [--marker M] -o DIR
//   mica-example-data reference analytics|inference|logs -i DIR -o FILE
//
// `generate` writes the example's input files into DIR (analytics:
// records.csv; inference: weights.bin and patients.csv; logs: access.log);
// `reference` computes, natively, what the pipeline must output for them.
#include <CLI/CLI.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "analytics/analytics_data.h"
#include "inference/inference_data.h"
#include "logs/logs_data.h"

namespace {

namespace fs = std::filesystem;
namespace ex = mica::examples;

bool write(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  if (!out) std::cerr << "mica-example-data: cannot write " << path << "\n";
  return static_cast<bool>(out);
}

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"inputs and reference outputs of the example pipelines"};
  app.require_subcommand(1);
  std::string example, dir, output, marker;
  uint64_t size = 0, seed = 1;
  CLI::App* generate = app.add_subcommand("generate", "write an example's input files");
  generate->add_option("EXAMPLE", example, "analytics, inference or logs")
      ->required()
      ->check(CLI::IsMember({"analytics", "inference", "logs"}));
  generate->add_option("--size", size, "records / patients / log lines (default: the demo's size)");
  generate->add_option("--seed", seed, "random seed (fixed: the same seed gives the same bytes)");
  generate->add_option("--marker", marker, "analytics and logs: put this marker in every record's personal field");
  generate->add_option("-o,--output", dir, "directory to write into")->required();
  CLI::App* reference = app.add_subcommand("reference", "compute an example's expected output natively");
  reference->add_option("EXAMPLE", example, "analytics, inference or logs")
      ->required()
      ->check(CLI::IsMember({"analytics", "inference", "logs"}));
  reference->add_option("-i,--input", dir, "directory with the example's input files")->required();
  reference->add_option("-o,--output", output, "file to write")->required();
  CLI11_PARSE(app, argc, argv);
  try {
    if (generate->parsed()) {
      fs::create_directories(dir);
      if (example == "analytics") {
        return write(fs::path(dir) / "records.csv", ex::analytics::generate(size ? size : 20000, seed, marker)) ? 0 : 1;
      }
      if (example == "inference") {
        const auto weights = ex::inference::generate_weights(seed);
        return write(fs::path(dir) / "weights.bin", std::string(weights.begin(), weights.end())) &&
                       write(fs::path(dir) / "patients.csv", ex::inference::generate_patients(size ? size : 5000, seed + 1))
                   ? 0
                   : 1;
      }
      return write(fs::path(dir) / "access.log", ex::logs::generate(size ? size : 15000, seed, marker)) ? 0 : 1;
    }
    std::string result;
    if (example == "analytics") {
      result = ex::analytics::reference(read(fs::path(dir) / "records.csv"));
    } else if (example == "inference") {
      const std::string weights = read(fs::path(dir) / "weights.bin");
      result = ex::inference::reference(std::vector<uint8_t>(weights.begin(), weights.end()),
                                        read(fs::path(dir) / "patients.csv"));
    } else {
      result = ex::logs::reference(read(fs::path(dir) / "access.log"));
    }
    return write(output, result) ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "mica-example-data: " << e.what() << "\n";
    return 1;
  }
}
