# Test guest: a boot sector that goes real -> protected -> long mode and
# runs fake initcalls (see tests/guests/README.md).  Assembled with $(CC)
# (for the C preprocessor), linked with $(LD), flattened with $(OBJCOPY).
# The user's CFLAGS are for the host programs and are not used here.
GUEST_DIR = tests/guests
GUEST_BUILD = $(GUEST_DIR)/build
GUEST_ELF = $(GUEST_BUILD)/guest.elf
GUEST_IMG = $(GUEST_BUILD)/guest.img
GUEST_OBJS = $(GUEST_BUILD)/boot.o $(GUEST_BUILD)/initcalls.o
GUEST_ASFLAGS = -m64 -nostdinc -ffreestanding -g -I$(GUEST_DIR) -MMD -MP \
	-Wa,--fatal-warnings
GUEST_LDFLAGS = -m elf_x86_64 -nostdlib -static --build-id=none \
	--no-warn-rwx-segments -z noexecstack -z max-page-size=0x1000
OBJCOPY ?= objcopy

TEST_HELPERS += $(GUEST_IMG) $(GUEST_ELF)
CLEAN += $(GUEST_IMG) $(GUEST_ELF) $(GUEST_BUILD)/guest.map

$(GUEST_BUILD)/%.o: $(GUEST_DIR)/%.S
	@mkdir -p $(GUEST_BUILD)
	$(CC) $(GUEST_ASFLAGS) -c -o $@ $<

$(GUEST_ELF): $(GUEST_OBJS) $(GUEST_DIR)/guest.ld
	$(LD) $(GUEST_LDFLAGS) -T $(GUEST_DIR)/guest.ld \
		-Map=$(GUEST_BUILD)/guest.map -o $@ $(GUEST_OBJS)

$(GUEST_IMG): $(GUEST_ELF)
	$(OBJCOPY) -O binary $< $@

guest: $(GUEST_IMG) $(GUEST_ELF)
.PHONY: guest
