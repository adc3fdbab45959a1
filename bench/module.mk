# Benchmarks: "make bench" builds them; run from the top directory.
BENCHES += bench/symbols bench/wrapper-overhead bench/exec-floor bench/stop-cost
bench/symbols.o: KIT_CFLAGS += $(KSYM_CFLAGS)
bench/symbols: bench/symbols.o $(LIB_KSYM) $(LIB_COMMON)
	$(CC) $(KIT_LDFLAGS) $(LDFLAGS) -o $@ $^ $(KSYM_LIBS)
bench/wrapper-overhead: bench/wrapper-overhead.o
	$(CC) $(KIT_LDFLAGS) $(LDFLAGS) -o $@ $^
bench/exec-floor: bench/exec-floor.o
	$(CC) $(KIT_LDFLAGS) $(LDFLAGS) -static -o $@ $^
bench/stop-cost.o: KIT_CFLAGS += $(RSP_CFLAGS)
bench/stop-cost: bench/stop-cost.o $(LIB_RSP) $(LIB_COMMON)
	$(CC) $(KIT_LDFLAGS) $(LDFLAGS) -o $@ $^ $(RSP_LIBS)
