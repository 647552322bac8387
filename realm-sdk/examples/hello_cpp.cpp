// A realm program in C++: a global constructor, a class with a virtual
// function, and new/delete on the SDK heap.
#include <stdio.h>

#include "mica/realm.h"

namespace {

class Greeter {
 public:
  virtual ~Greeter() = default;
  virtual const char* greeting() const { return "Hello"; }
};

class RealmGreeter final : public Greeter {
 public:
  const char* greeting() const override { return "Hello from C++ in a realm"; }
};

int constructed = 0;
struct Counter {
  Counter() { constructed = 42; }
} counter;

}  // namespace

int main() {
  Greeter* g = new RealmGreeter;
  printf("%s (global constructor ran: %d)\n", g->greeting(), constructed);
  delete g;
  return constructed == 42 ? 0 : 1;
}
