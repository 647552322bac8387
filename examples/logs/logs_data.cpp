// Log analysis: generator and native reference (logs_data.h).
#include "logs_data.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <random>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace mica::examples::logs {

namespace {

const std::array<const char*, 24> kPaths = {
    "/", "/index.html", "/login", "/logout", "/account", "/account/orders", "/api/cart", "/api/cart/items",
    "/api/orders", "/api/orders/checkout", "/api/payments", "/api/search", "/api/products", "/api/products/reviews",
    "/api/recommendations", "/static/app.js", "/static/app.css", "/static/logo.svg", "/images/banner.jpg",
    "/help", "/help/shipping", "/health", "/admin", "/robots.txt"};
const std::array<const char*, 6> kAgents = {"Mozilla/5.0 (X11; Linux x86_64)", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0)",
                                            "curl/8.4.0", "Googlebot/2.1", "okhttp/4.12.0", "python-requests/2.31"};
const std::array<const char*, 8> kUsers = {"-", "-", "-", "anna", "bruno", "chen", "divya", "emil"};

uint64_t pick(std::mt19937_64& rng, uint64_t lo, uint64_t hi) { return lo + rng() % (hi - lo + 1); }

}  // namespace

std::string generate(uint64_t lines, uint64_t seed, const std::string& marker) {
  std::mt19937_64 rng(seed);
  std::ostringstream log;
  for (uint64_t i = 0; i < lines; ++i) {
    // Traffic peaks in the afternoon and evening.
    uint64_t hour = pick(rng, 0, 23);
    if (hour < 7 && pick(rng, 0, 1) == 0) hour += 12;
    const uint64_t p = pick(rng, 0, 99);
    const size_t path = p < 40 ? pick(rng, 0, 7) : p < 85 ? pick(rng, 6, 17) : pick(rng, 0, kPaths.size() - 1);
    const uint64_t s = pick(rng, 0, 99);
    const bool payments = std::string(kPaths[path]) == "/api/payments";
    const unsigned status = s < 72 ? 200 : s < 80 ? 304 : s < 88 ? 404 : s < 91 ? 301 : (s < 96 || payments) ? 500 : 502;
    const std::string user = marker.empty() ? kUsers[pick(rng, 0, kUsers.size() - 1)] : marker + "-" + std::to_string(i);
    char line[512];
    std::snprintf(line, sizeof line, "10.%u.%u.%u - %s [06/Dec/2026:%02u:%02u:%02u +0000] \"%s %s%s HTTP/1.1\" %u ",
                  static_cast<unsigned>(pick(rng, 0, 255)), static_cast<unsigned>(pick(rng, 0, 255)),
                  static_cast<unsigned>(pick(rng, 1, 254)), user.c_str(), static_cast<unsigned>(hour),
                  static_cast<unsigned>(pick(rng, 0, 59)), static_cast<unsigned>(pick(rng, 0, 59)),
                  pick(rng, 0, 4) == 0 ? "POST" : "GET", kPaths[path],
                  pick(rng, 0, 3) == 0 ? ("?session=" + std::to_string(rng() % 1000000007)).c_str() : "", status);
    log << line;
    if (status == 304) {
      log << "-";
    } else {
      log << pick(rng, 0, 60000);
    }
    log << " \"-\" \"" << kAgents[pick(rng, 0, kAgents.size() - 1)] << "\"\n";
  }
  return log.str();
}

std::string reference(const std::string& log) {
  std::map<unsigned, uint64_t> status;
  std::array<uint64_t, 24> hour_requests{}, hour_bytes{};
  struct Path {
    uint64_t requests = 0, bytes = 0, errors = 0;
  };
  std::map<std::string, Path> paths;
  std::istringstream in(log);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const size_t open = line.find('[');
    const size_t colon = line.find(':', open);
    const unsigned hour = static_cast<unsigned>(std::stoul(line.substr(colon + 1, 2)));
    const size_t quote = line.find('"', colon);
    const size_t path_start = line.find(' ', quote) + 1;
    const size_t path_end = line.find_first_of(" ?\"", path_start);
    const size_t request_end = line.find('"', path_end);
    std::istringstream rest(line.substr(request_end + 2));
    unsigned code = 0;
    std::string bytes_text;
    rest >> code >> bytes_text;
    const uint64_t bytes = bytes_text == "-" ? 0 : std::stoull(bytes_text);
    ++status[code];
    ++hour_requests[hour];
    hour_bytes[hour] += bytes;
    Path& p = paths[line.substr(path_start, path_end - path_start)];
    ++p.requests;
    p.bytes += bytes;
    if (code >= 500) ++p.errors;
  }
  uint64_t requests = 0, bytes = 0, errors = 0;
  for (size_t h = 0; h < 24; ++h) {
    requests += hour_requests[h];
    bytes += hour_bytes[h];
  }
  for (const auto& [code, n] : status) errors += code >= 500 ? n : 0;
  std::ostringstream out;
  out << "requests," << requests << "\nbytes," << bytes << "\nserver_errors," << errors << "\n";
  for (const auto& [code, n] : status) out << "status," << code << "," << n << "\n";
  for (size_t h = 0; h < 24; ++h) {
    char hh[8];
    std::snprintf(hh, sizeof hh, "%02zu", h);
    out << "hour," << hh << "," << hour_requests[h] << "," << hour_bytes[h] << "\n";
  }
  std::vector<std::pair<std::string, Path>> busiest(paths.begin(), paths.end());
  std::stable_sort(busiest.begin(), busiest.end(),
                   [](const auto& a, const auto& b) { return a.second.requests > b.second.requests; });
  for (size_t i = 0; i < busiest.size() && i < 10; ++i) {
    out << "top_path," << busiest[i].first << "," << busiest[i].second.requests << "," << busiest[i].second.bytes << "\n";
  }
  for (const auto& [path, p] : paths) {
    if (p.errors != 0) out << "errors_at," << path << "," << p.errors << "\n";
  }
  return out.str();
}

}  // namespace mica::examples::logs
