/* The smallest realm program: it ends at once (host call EXIT, then PSCI
 * SYSTEM_OFF). bench/workflow_bench.cpp deploys workflows of 1 to 64 of
 * them to measure what deploying a workflow costs. */
int main(void) { return 0; }
