# make bench, make soak (bench/README.md). Both use the lab (make lab-up) and take its lock
# (/var/cache/ariflow/lab/tests.lock) while they place calls; knobs are environment
# variables (BENCH_*, SOAK_*) documented at the top of bench/bench.sh and bench/soak.sh.
#
#   make bench                  app vs dialplan: rate steps, 100/500 held calls, Go benchmarks;
#                               writes bench/results/<time>.md/.svg/.tsv and latest.md (~40 min, long grid)
#   make soak                   20 concurrent calls for SOAK_DURATION (30m) across the features;
#                               writes bench/results/soak-<time>.md
.PHONY: bench soak

bench: build
	bench/bench.sh

soak: build
	bench/soak.sh
