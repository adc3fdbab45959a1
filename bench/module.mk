# Benchmarks: "make bench" builds them; run from the top directory.
BENCHES += bench/symbols
bench/symbols: bench/symbols.o $(KSYM_OBJS) $(COMMON_OBJS)
	$(CC) $(KIT_LDFLAGS) $(LDFLAGS) -o $@ $^ $(KSYM_LIBS)
BENCHES += bench/wrapper-overhead
bench/wrapper-overhead: bench/wrapper-overhead.o
	$(CC) $(KIT_LDFLAGS) $(LDFLAGS) -o $@ $^
BENCHES += bench/exec-floor
bench/exec-floor: bench/exec-floor.o
	$(CC) $(KIT_LDFLAGS) $(LDFLAGS) -static -o $@ $^
