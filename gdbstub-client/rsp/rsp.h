/*
 * rsp.h: a client library for the GDB Remote Serial Protocol, written for
 * debugging early boot in QEMU 7.2's gdbstub (TCG).  It never prints (except
 * the GDBSTUB_TRACE packet trace, see below) and never exits: every function
 * returns 0 (or a count) on success and a negative enum rsp_error value on
 * failure, with the same code (positive) and a message in a struct kit_err.
 *
 * Layers, one file each:
 *   packet.c     framing and hex helpers, pure functions on byte buffers
 *   conn.c       transports, acks, retransmission, timeouts, batches,
 *                the connection's accessors (struct rsp_conn is opaque),
 *                trace
 *   responses.c  one parser per reply kind (stop replies, errors, qSupported)
 *   core.c       one function per protocol operation
 *
 * Wire format
 * -----------
 * A packet is '$' PAYLOAD '#' CC, CC being two lower-case hex digits, the sum
 * of the raw bytes between '$' and '#' modulo 256.  The receiver answers '+'
 * (good) or '-' (bad checksum: please send it again) unless both sides agreed
 * to QStartNoAckMode.  A lone 0x03 byte outside packets asks a running target
 * to stop.
 *
 *   Escapes: '$', '#', '}' and '*' inside a payload are sent as '}' followed
 *   by the byte XOR 0x20 ("}\x03" is '#').  This library escapes them when
 *   encoding and removes escapes from every received payload.
 *
 *   Run-length: "X*N" in a reply means X followed by N - 29 more copies of
 *   X, N a printable character; '$' and '#' are never used as run lengths
 *   (they are frame characters), so runs of 6 and 7 are sent another way.
 *   Runs repeat the previous raw character, before escapes are removed (the
 *   order gdbserver encodes in).  A '*' with no previous character, or a
 *   run-length character below ' ' or above '~', makes the packet malformed:
 *   it is answered with '-' like a bad checksum.
 *
 *   Numbers (addresses, lengths, thread ids) are big-endian hex; register
 *   and memory contents are hex of the target's bytes, little-endian for
 *   x86 registers.  "xx" in a register reply means "unavailable".
 *
 *   Replies: "OK"; "E NN" (two hex digits, an error number chosen by the
 *   stub, or "E.text"); the empty packet = "I do not know that packet"
 *   (unsupported); stop replies S/T/W/X (see struct rsp_stop); "O HEX" =
 *   console output the stub prints while the target runs or while it
 *   executes a qRcmd monitor command.
 *
 * QEMU 7.2 facts the library is built around (docs/qemu-notes.md):
 *   - qSupported offers PacketSize=1000;qXfer:features:read+;vContSupported+;
 *     multiprocess+ and no QStartNoAckMode, so acks stay on.
 *   - p/P answer empty until the target description was read.
 *   - g always has the 64-bit x86-64 layout; in real mode rip is IP.
 *   - '?' removes every breakpoint: rsp_query_halt() refuses it while
 *     breakpoints are inserted unless forced.
 *   - any byte other than 0x03 sent while the guest runs stops it without a
 *     stop reply, so while running this library sends nothing but 0x03 (not
 *     even acks for 'O' packets).
 *   - continuing (or stepping) from an address holding a breakpoint stops
 *     there again at once: rsp_resume() and rsp_step() step over it.
 *
 * Trace: with GDBSTUB_TRACE=1 (or any value other than "0" or empty) in the
 * environment when the connection is made, every byte sequence sent and
 * every event received is passed, escaped, to the trace sink
 * (rsp_set_trace(); it defaults to printing "rsp: LINE" on stderr), in the
 * spirit of gdb's "set debug remote 1":
 *     rsp: -> $qSupported:swbreak+;hwbreak+;vContSupported+#0b
 *     rsp: <- +
 *     rsp: <- $PacketSize=1000;qXfer:features:read+;...#92
 *     rsp: -> +
 *     rsp: -> \x03            (written when the wait for the stop begins)
 * Sent bytes are shown as written; received packets decoded (run-lengths
 * expanded, escapes removed) with the checksum as received; bad packets and
 * stray bytes as "<- bad checksum: ...", "<- garbage: ...".  Bytes outside
 * ' '..'~' appear as \xNN; a payload is cut after 1024 bytes.
 */
#ifndef KIT_RSP_H
#define KIT_RSP_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "usage.h"

/*
 * Failure codes: functions return -code, and set err->code = code.  They
 * are rsp's thousand, 3001.. (the rule is in usage.h, next to struct
 * kit_err), so a caller holding a struct kit_err from any library can
 * compare err->code with errno values and every library's codes.
 */
enum rsp_error {
	RSP_ERR_SYS = 3001,   /* a system call failed; msg ends in strerror,
	                         the errno value is in err->sys_errno */
	RSP_ERR_NOMEM,        /* out of memory */
	RSP_ERR_INVAL,        /* bad argument (address spec, register name) */
	RSP_ERR_TIMEOUT,      /* no answer within the timeout */
	RSP_ERR_CLOSED,       /* the stub closed the connection between packets
	                         (the connection is marked closed) */
	RSP_ERR_TRUNCATED,    /* the stub closed the connection mid-packet
	                         (the connection is marked closed) */
	RSP_ERR_PROTOCOL,     /* malformed or unexpected reply, too many bad
	                         checksums, not a gdb stub at all, reply too long,
	                         a register or memory reply of the wrong size */
	RSP_ERR_NAK,          /* the stub kept answering '-' to our packet */
	RSP_ERR_UNSUPPORTED,  /* the stub answered empty: it lacks the feature */
	RSP_ERR_TARGET,       /* the stub answered "E NN"; NN in rsp_target_errno() */
	RSP_ERR_RUNNING,      /* refused: the target runs; only rsp_interrupt()
	                         and rsp_wait_stop() are allowed */
	RSP_ERR_STATE,        /* refused in this state ('?' with breakpoints,
	                         register read before the description...) */
	RSP_ERR_INTERRUPTED,  /* the wake fd became readable during a wait */
	RSP_ERR_EXITED,       /* the target exited ('W') or was killed ('X'):
	                         the stub said so instead of answering, or an
	                         earlier stop did; rsp_last_stop() holds it and
	                         rsp_end_state() tells which (see below) */
};

/* ------------------------------------------------------------------ */
/* packet.c: framing.  Pure functions; no I/O.                          */

/* A growable byte buffer; data is always NUL-terminated once allocated. */
struct rsp_buf {
	char *data;
	size_t len;
	size_t alloc;
};
#define RSP_BUF_INIT { NULL, 0, 0 }
/* 0, or -1 (errno ENOMEM). */
int rsp_buf_append(struct rsp_buf *b, const void *p, size_t n);
int rsp_buf_reserve(struct rsp_buf *b, size_t extra);
void rsp_buf_reset(struct rsp_buf *b);
void rsp_buf_free(struct rsp_buf *b);

/* Sum of the bytes modulo 256. */
uint8_t rsp_checksum(const void *p, size_t n);

/* Append "$" escaped(payload) "#cc" to out.  0, or -1 on ENOMEM. */
int rsp_packet_encode(struct rsp_buf *out, const void *payload, size_t n);

/* What rsp_parser_feed() found. */
enum rsp_event_kind {
	RSP_EV_NONE = 0,  /* input used up without completing anything */
	RSP_EV_PACKET,    /* a good packet; data/len = unescaped, expanded
	                     payload (NUL-terminated), valid until next feed */
	RSP_EV_ACK,       /* '+' */
	RSP_EV_NAK,       /* '-' */
	RSP_EV_INTERRUPT, /* 0x03 outside a packet (a client's break) */
	RSP_EV_BADSUM,    /* checksum mismatch: answer '-'; data/len = payload */
	RSP_EV_BADPKT,    /* malformed (bad run length, non-hex checksum):
	                     answer '-' */
	RSP_EV_TOOLONG,   /* payload exceeded parser->max (or memory): the
	                     packet was dropped up to its '#cc' */
	RSP_EV_GARBAGE,   /* bytes outside any packet that are not + - 0x03;
	                     data/len point into the caller's input */
};

struct rsp_event {
	enum rsp_event_kind kind;
	const char *data;
	size_t len;
	uint8_t sum_got, sum_want;  /* RSP_EV_BADSUM: received / computed */
};

/* A streaming decoder: feed it bytes as they arrive, in any split. */
struct rsp_parser {
	int state;            /* internal: outside, in payload, checksum */
	uint8_t sum;          /* running sum of raw payload bytes */
	uint8_t csum_hi;      /* first checksum digit */
	int rle;              /* 1 = previous raw byte was '*' */
	int have_prev;        /* 1 = raw_prev holds a repeatable byte */
	char raw_prev;
	int bad;              /* malformed content seen in this packet */
	int toolong;          /* payload over max or out of memory */
	struct rsp_buf buf;   /* payload, raw but run-length expanded */
	size_t max;           /* bytes; payloads longer are dropped; 0 =
	                         RSP_MAX_PACKET */
	size_t received;      /* bytes of the current packet seen so far */
};

void rsp_parser_init(struct rsp_parser *p);
void rsp_parser_free(struct rsp_parser *p);
/* 1 when in the middle of a packet (a close now truncates it). */
int rsp_parser_midpacket(const struct rsp_parser *p);
/*
 * Consume bytes from buf[0..n) up to and including the first complete event
 * and return how many were consumed; ev->kind is RSP_EV_NONE when all n
 * bytes were consumed without completing one.  Several packets glued in one
 * read come out one per call: loop until the input is used up.
 */
size_t rsp_parser_feed(struct rsp_parser *p, const void *buf, size_t n,
		       struct rsp_event *ev);

/* Hex helpers.  rsp_hexval: 0..15, or -1 for a non-hex character. */
int rsp_hexval(int c);
/* Write 2*n lower-case hex digits and a NUL to out (2*n+1 bytes). */
void rsp_hex_encode(char *out, const void *in, size_t n);
/* Decode hexlen digits into out; the number of bytes, or -1 when hexlen is
 * odd, a digit is not hex, or outsz is too small. */
ssize_t rsp_hex_decode(void *out, size_t outsz, const char *hex, size_t hexlen);
/* Parse a big-endian hex number of 1..16 digits; the digits used, or -1. */
int rsp_parse_hex_u64(const char *s, size_t len, uint64_t *v);
/* Little-endian bytes <-> integer (n <= 8 bytes used). */
uint64_t rsp_le_to_u64(const void *bytes, size_t n);
void rsp_u64_to_le(void *bytes, size_t n, uint64_t v);
/* A register value as sent by the stub (hex of little-endian bytes) to an
 * integer: 0; 1 when it is all 'x' (unavailable, *v = 0); -1 if malformed. */
int rsp_hex_le_to_u64(const char *hex, size_t hexlen, uint64_t *v);
/*
 * Escaping: every byte that came from the stub and is shown to a user (an
 * error message, the trace, monitor output) goes through rsp_escape() or
 * rsp_quote(), so a stub cannot drive the user's terminal (ESC, CSI 0x9b,
 * BEL...).  Bytes outside ' '..'~', and '\\', become \xNN.
 * RSP_ESC_TEXT is for text the user asked for (monitor output): '\n' and
 * '\t' are kept, "\r\n" becomes "\n", '\\' stays; every other control byte
 * and every byte above '~' is still \xNN.
 */
#define RSP_ESC_TEXT 0x1
/* Append the rendering of p[0..n) to out: at most max input bytes, then
 * "...[N more]".  0, or -1 on ENOMEM. */
int rsp_escape(struct rsp_buf *out, const void *p, size_t n, size_t max,
	       unsigned flags);
/* rsp_escape(out, p, n, max, 0). */
int rsp_escape_for_trace(struct rsp_buf *out, const void *p, size_t n, size_t max);
/* The same into buf (bufsz bytes, always NUL-terminated; a cut ends in
 * "...[N more]", or "..." when that does not fit), for a "'%s'" in a
 * message; returns buf.  No allocation. */
const char *rsp_quote(char *buf, size_t bufsz, const void *p, size_t n,
		      size_t max);

/*
 * Limits on what a stub can make the client hold.  A reply is refused
 * (-RSP_ERR_PROTOCOL) rather than buffered when it is over them; QEMU 7.2's
 * packets are at most 4 KiB (PacketSize=1000), its target.xml with includes
 * about 20 KiB.
 */
#define RSP_MAX_PACKET   (64u << 10)  /* bytes of one decoded payload: the
                                         parser's default max; requests are
                                         sized so that replies fit (PacketSize
                                         is used up to this) */
#define RSP_MAX_XFER     (1u << 20)   /* bytes of one qXfer object */
#define RSP_MAX_MONITOR  (16u << 20)  /* bytes of one monitor command's output */
#define RSP_MAX_THREADS  65536        /* thread ids in one qfThreadInfo list */

/* ------------------------------------------------------------------ */
/* responses.c: reply parsers.                                         */

/* qSupported reply tokens, named after the manual.  Absent = false/0. */
struct rsp_qSupported {
	unsigned long PacketSize;     /* bytes (sent in hex); 0 = not given */
	bool qXfer_features_read;
	bool qXfer_auxv_read;
	bool qXfer_memory_map_read;
	bool qXfer_threads_read;
	bool qXfer_exec_file_read;
	bool qXfer_siginfo_read;
	bool vContSupported;
	bool multiprocess;
	bool QStartNoAckMode;
	bool QPassSignals;
	bool QNonStop;
	bool QThreadEvents;
	bool swbreak;
	bool hwbreak;
	bool ReverseStep;
	bool ReverseContinue;
	bool fork_events;
	bool vfork_events;
	bool exec_events;
	bool no_resumed;
	bool qRelocInsn;
	bool BreakpointCommands;
	bool ConditionalBreakpoints;
	unsigned ntokens;             /* tokens seen, known or not */
};
/* Parse "tok;tok;..." (tok is name+, name-, name? or name=value).
 * -RSP_ERR_PROTOCOL when PacketSize is not a hex number. */
int rsp_parse_qSupported(const char *reply, size_t len,
			 struct rsp_qSupported *q, struct kit_err *err);

/* Why the target stopped. */
enum rsp_stop_reason {
	RSP_REASON_NONE = 0,   /* a plain signal */
	RSP_REASON_SWBREAK,    /* "swbreak" */
	RSP_REASON_HWBREAK,    /* "hwbreak" */
	RSP_REASON_WATCH,      /* "watch:ADDR" (write) */
	RSP_REASON_RWATCH,     /* "rwatch:ADDR" */
	RSP_REASON_AWATCH,     /* "awatch:ADDR" */
};

#define RSP_STOP_MAX_REGS 32

struct rsp_stop {
	char kind;             /* 'S', 'T' (stopped), 'W' (exited), 'X'
	                          (killed by a signal) */
	int signo;             /* S/T/X: the target signal number (5 = TRAP) */
	int exit_status;       /* W: the exit status */
	long pid;              /* W/X ";process:PID"; T "thread:pP.T" P; else -1 */
	long tid;              /* T "thread:": the thread; -1 when absent
	                          (0 = any, -1 in the spec = all) */
	enum rsp_stop_reason reason;
	uint64_t watch_addr;   /* RSP_REASON_*WATCH: the data address */
	unsigned nregs;        /* T "NN:VALUE" pairs kept (first 32) */
	struct {
		unsigned regnum;
		uint64_t value;    /* first 8 bytes, little-endian */
		unsigned size;     /* bytes */
	} regs[RSP_STOP_MAX_REGS];
};
/*
 * Parse a stop reply.  -RSP_ERR_PROTOCOL when it is not one or is
 * malformed (the message quotes it).  The end of the target:
 *   "W" AA [";process:" PID]   exited: exit_status = AA (hex, at most 8
 *                              digits), kind 'W'
 *   "X" AA [";process:" PID]   killed: signo = AA (GDB's numbering, 9 =
 *                              SIGKILL, at most 0xff), kind 'X'
 * pid is -1 without ";process:".
 */
int rsp_parse_stop(const char *reply, size_t len, struct rsp_stop *st,
		   struct kit_err *err);
/* A short description into buf: "the target exited with status 0", "the
 * target was killed by signal 9", "the target stopped with signal 5".
 * Returns buf. */
const char *rsp_stop_describe(const struct rsp_stop *st, char *buf, size_t n);

/* 1 when reply is "E NN" (*nn = NN) or "E.text" (*nn = -1); else 0. */
int rsp_parse_error(const char *reply, size_t len, int *nn);
/* 1 when reply is a console output packet "O" HEX (not "OK"). */
int rsp_is_console(const char *reply, size_t len);
/* Append the decoded text of an "O" packet to out.  0, or -1 (ENOMEM or
 * malformed). */
int rsp_parse_console(const char *reply, size_t len, struct rsp_buf *out);

/* ------------------------------------------------------------------ */
/* core.c (target description part): registers.                        */

struct rsp_reg {
	char name[32];
	int regnum;            /* as used by p/P; the description's order */
	int bitsize;
	char type[32];         /* "int64", "code_ptr", "i387_ext", "vec128"... */
	char group[32];        /* "general", "float", "vector", "" */
	char feature[64];      /* the <feature name=...> it came from */
	long offset;           /* bytes into the g packet; -1 = not in g */
};

struct rsp_tdesc {
	char architecture[64]; /* "i386:x86-64" */
	struct rsp_reg *regs;  /* sorted by regnum */
	size_t nregs;
	size_t g_size;         /* bytes of all registers in regnum order */
};

/* Fetches one annex of the features object; used for xi:include. */
typedef int (*rsp_fetch_fn)(void *ctx, const char *annex, struct rsp_buf *out,
			    struct kit_err *err);
/*
 * Parse target description XML (with expat) into td, following each
 * <xi:include href="..."/> through fetch (a NULL fetch makes includes an
 * error), up to 8 levels deep.  Registers without a regnum attribute take
 * the next number after the previous register.  -RSP_ERR_PROTOCOL on bad
 * XML (with the line number), a missing name or bitsize, include loops.
 */
int rsp_handle_qXfer_features(struct rsp_tdesc *td, const char *xml, size_t len,
			  rsp_fetch_fn fetch, void *ctx, struct kit_err *err);
void rsp_tdesc_free(struct rsp_tdesc *td);
/* The register called name; NULL when td (which may be NULL) has none. */
const struct rsp_reg *rsp_tdesc_find(const struct rsp_tdesc *td,
				     const char *name);

/* ------------------------------------------------------------------ */
/* responses.c: register, memory and qXfer replies, checked against   */
/* what was asked.  Pure functions; the caller has already turned     */
/* empty and "E NN" replies into errors.                              */

/*
 * A 'g' reply: exactly 2 * td->g_size hex digits, "xx" for a byte the stub
 * cannot read, never more or fewer (QEMU 7.2 x86-64: 1216 digits, 608
 * bytes; a stub whose description lists more registers than its 'g' sends
 * is not supported).  td NULL or without registers: any even length (each
 * byte still hex or "xx").  bytes and avail are reset and get one byte per
 * register byte (avail: 1 = valid, 0 = "xx").  -RSP_ERR_PROTOCOL, message
 * "stub's 'g' reply is 10 hex digits, expected 1216 (608 bytes of
 * registers, i386:x86-64)", "... has an odd length ...", "... is not hex at
 * offset N ..."; -RSP_ERR_NOMEM.
 */
int rsp_parse_g_reply(const char *reply, size_t len, const struct rsp_tdesc *td,
		      struct rsp_buf *bytes, struct rsp_buf *avail,
		      struct kit_err *err);
/*
 * A 'p' reply for register r: exactly r->bitsize / 4 hex digits, decoded
 * into buf (bufsz bytes at least r->bitsize / 8).  Returns the byte count;
 * -RSP_ERR_STATE when it is all 'x' (unavailable); -RSP_ERR_PROTOCOL for
 * any other length or a non-hex digit ("stub's 'p10' reply for 'rip' is 2
 * hex digits, expected 16"); -RSP_ERR_INVAL when buf is too small.
 */
ssize_t rsp_parse_p_reply(const char *reply, size_t len, const struct rsp_reg *r,
			  void *buf, size_t bufsz, struct kit_err *err);
/*
 * An 'm' reply to a request for want bytes: an even number of hex digits,
 * at most 2 * want.  Returns the bytes decoded into buf: fewer than want
 * is a partial read (the stub could read only that far; QEMU does not
 * send those, gdbserver does), which the caller must handle, never a
 * success for the whole range.  -RSP_ERR_PROTOCOL for longer, odd or
 * non-hex.
 */
ssize_t rsp_parse_m_reply(const char *reply, size_t len, void *buf, size_t want,
			  struct kit_err *err);
/*
 * A qXfer read reply to a request for want bytes: 'm' DATA (more to come)
 * or 'l' DATA (the last part), DATA at most want bytes (escapes already
 * removed by the framing).  *data and *dlen point into reply.  Returns 1
 * for 'l', 0 for 'm'; -RSP_ERR_PROTOCOL for any other reply, DATA longer
 * than asked, or an empty 'm' (it would never end).  what names the
 * request in messages ("qXfer:features:read:target.xml").
 */
int rsp_parse_qXfer_reply(const char *reply, size_t len, size_t want,
			  const char *what, const char **data, size_t *dlen,
			  struct kit_err *err);

/* ------------------------------------------------------------------ */
/* conn.c: one connection to a stub.                                   */

#define RSP_DEFAULT_TIMEOUT_MS 10000
#define RSP_DEFAULT_RETRIES 3
#define RSP_MAX_BREAKPOINTS 64

enum rsp_bp_type {       /* the Z/z packet type digit */
	RSP_BP_SW = 0,       /* software breakpoint (int3 under KVM) */
	RSP_BP_HW = 1,       /* hardware breakpoint */
	RSP_WP_WRITE = 2,
	RSP_WP_READ = 3,
	RSP_WP_ACCESS = 4,
};

struct rsp_bp {
	enum rsp_bp_type type;
	uint64_t addr;       /* linear address, as QEMU compares it */
	unsigned kind;       /* breakpoint: 1 on x86; watchpoint: length */
};


/*
 * One connection.  Opaque: what callers need of it goes through the
 * functions below; the receive buffer and the ack state stay conn.c's.
 */
struct rsp_conn;

/* Accessors (conn.c).  The socket, for poll() only: never read from it or
 * write to it behind the library (see rsp_buffered()). */
int rsp_conn_fd(const struct rsp_conn *c);
/* The last packet received (rsp_recv), its data NUL-terminated once one
 * came (NULL before). */
const struct rsp_buf *rsp_reply(const struct rsp_conn *c);
/* ms, every ack and reply wait; -1 = none.  Default RSP_DEFAULT_TIMEOUT_MS. */
int rsp_timeout(const struct rsp_conn *c);
void rsp_set_timeout(struct rsp_conn *c, int timeout_ms);
/* Payloads longer than max bytes are refused (0 = RSP_MAX_PACKET). */
void rsp_set_max_packet(struct rsp_conn *c, size_t max);
/* QStartNoAckMode is in effect. */
bool rsp_noack(const struct rsp_conn *c);
/* Resumed, no stop reply yet.  rsp_set_running() is for callers that keep
 * their own books: a stop they took ahead of time (handed out later as if
 * it had come now), a stop reply read from a batch. */
bool rsp_running(const struct rsp_conn *c);
void rsp_set_running(struct rsp_conn *c, bool running);
/* Readable = abort rsp_wait_stop() with -RSP_ERR_INTERRUPTED (the caller
 * drains it; e.g. a self-pipe its SIGINT handler writes to); -1 = none. */
void rsp_set_wake_fd(struct rsp_conn *c, int fd);
/* The trace sink (see the top of this file); NULL = none.  rsp_tracing():
 * one is set. */
void rsp_set_trace(struct rsp_conn *c,
		   void (*fn)(void *ctx, const char *line), void *ctx);
bool rsp_tracing(const struct rsp_conn *c);
/* Where 'O' packets go while the target runs (the stub's bytes). */
void rsp_set_console(struct rsp_conn *c,
		     void (*fn)(void *ctx, const char *text, size_t len),
		     void *ctx);
/*
 * TCP_QUICKACK before every wait for a reply to a request (rsp_recv while
 * the target is stopped) and before every batch write: QEMU writes its '+'
 * and then the reply as two segments, and with Nagle on its side and our
 * delayed ACK the reply waits 40 ms for the ACK of the '+'.  Quick-ack
 * mode is not permanent (the kernel drops it when it sees an interactive
 * exchange), hence every time.  Off by default; on a socket that is not
 * TCP, turning it on does nothing.
 */
void rsp_set_quickack(struct rsp_conn *c, bool on);
/* The qSupported answer; NULL before rsp_qSupported(). */
const struct rsp_qSupported *rsp_features(const struct rsp_conn *c);
/* The target description; NULL when none was read (rsp_tdesc_find()
 * takes NULL: no register). */
const struct rsp_tdesc *rsp_tdesc(const struct rsp_conn *c);
/* vCont? was asked (rsp_vCont_query); action 'c' 'C' 's' 'S' 't' 'r' is
 * offered. */
bool rsp_vcont_known(const struct rsp_conn *c);
bool rsp_vcont_has(const struct rsp_conn *c, char action);
/* The last 'g' decoded to bytes (rsp_read_registers). */
const struct rsp_buf *rsp_g(const struct rsp_conn *c);
/* The stop the target is in, NULL since a resume (or before any). */
const struct rsp_stop *rsp_last_stop(const struct rsp_conn *c);
/* NN of the last "E NN" reply; -1 for "E.text". */
int rsp_target_errno(const struct rsp_conn *c);
/* The breakpoints inserted (rsp_insert_break): their count, *list set. */
size_t rsp_breakpoints(const struct rsp_conn *c, const struct rsp_bp **list);
/* A Z (inserted) or z packet the caller sent itself, in a batch: kept in
 * the list above as rsp_insert_break()/rsp_remove_break() would (a z
 * drops the first entry of that type at addr).  0, or -RSP_ERR_STATE when
 * the list is full (RSP_MAX_BREAKPOINTS). */
int rsp_note_break(struct rsp_conn *c, enum rsp_bp_type type, uint64_t addr,
		   unsigned kind, bool inserted);
/* The caller resumed the target itself (a batch ending in a resume):
 * rsp_running() from now on, and no stop until rsp_wait_stop() takes
 * one. */
void rsp_resumed(struct rsp_conn *c);

/*
 * Non-blocking reads.  rsp_buffered(): bytes from the stub are held
 * already (a reply, or the start of one), so a poll() on rsp_conn_fd()
 * would not show them: receive instead.  rsp_read_available(): read what
 * the socket holds now, without waiting, when nothing is held; 1 = bytes
 * are held, 0 = none came, or a negative code (the stub closed the
 * connection: -RSP_ERR_CLOSED, c marked closed).
 */
bool rsp_buffered(const struct rsp_conn *c);
int rsp_read_available(struct rsp_conn *c, struct kit_err *err);
/*
 * Take the '+' the stub sends for a packet whose reply does not come (the
 * resume that ends a batch): from what is held, or waiting up to
 * timeout_ms for it.  1 = taken, 0 = something else is next (left for the
 * next receive) or nothing came; a close is left for the next wait.
 */
int rsp_take_ack(struct rsp_conn *c, int timeout_ms);

/*
 * How a session ended, for callers that must tell the cases apart (a
 * profiler marking a run incomplete, a debugger printing why it stopped).
 * Any operation may end with -RSP_ERR_EXITED (the stub answered 'W' or 'X'
 * instead, or had before) or -RSP_ERR_CLOSED / -RSP_ERR_TRUNCATED; then:
 */
enum rsp_end {
	RSP_END_NONE = 0,    /* still attached (stopped or running) */
	RSP_END_EXITED,      /* 'W': rsp_last_stop()->exit_status */
	RSP_END_KILLED,      /* 'X': killed by signal rsp_last_stop()->signo */
	RSP_END_CLOSED,      /* the stub closed the connection without a W/X
	                        (QEMU exiting, the stub crashing) */
};
/* A W/X stop seen counts before a close (QEMU sends X, then exits). */
enum rsp_end rsp_end_state(const struct rsp_conn *c);
/* "the target exited with status 0", "the target was killed by signal
 * 9", "the stub closed the connection"; "" for RSP_END_NONE.  Returns
 * buf. */
const char *rsp_end_describe(const struct rsp_conn *c, char *buf, size_t n);

/*
 * Connect to "host:port", "tcp:host:port", "[v6addr]:port" or "unix:PATH",
 * waiting at most timeout_ms (-1 = RSP_DEFAULT_TIMEOUT_MS).  Returns a new
 * connection, or NULL with err filled: RSP_ERR_INVAL (bad spec, unknown
 * host), RSP_ERR_TIMEOUT, RSP_ERR_SYS (refused: "connection refused"...).
 * Reads GDBSTUB_TRACE.  Nothing is sent yet; call rsp_start().
 */
struct rsp_conn *rsp_connect(const char *spec, int timeout_ms,
			     struct kit_err *err);
/* The same connect for other protocols (QEMU's QMP monitor): a connected,
 * non-blocking, close-on-exec socket, or -1 with err filled as above. */
int rsp_dial(const char *spec, int timeout_ms, struct kit_err *err);
/* Wrap an already connected fd (socketpair, pipe...); the conn owns it. */
struct rsp_conn *rsp_conn_from_fd(int fd, struct kit_err *err);
/* Close and free; NULL is fine. */
void rsp_close(struct rsp_conn *c);

/*
 * Send one packet and, unless no-ack mode is on, wait for its '+',
 * resending on '-' up to RSP_DEFAULT_RETRIES times (then -RSP_ERR_NAK).  A packet
 * arriving instead of the '+' is taken as the ack and kept for the next
 * receive.  -RSP_ERR_RUNNING while the target runs; -RSP_ERR_TIMEOUT,
 * -RSP_ERR_CLOSED, -RSP_ERR_SYS, -RSP_ERR_PROTOCOL (garbage: not a stub).
 */
int rsp_send(struct rsp_conn *c, const void *payload, size_t len,
	     struct kit_err *err);
/*
 * Wait up to timeout_ms (-1 = forever; while the target runs, the wake fd
 * readable ends it with -RSP_ERR_INTERRUPTED) for the next packet, ack it ('+', or '-' and wait
 * for the resend on a bad checksum, at most RSP_DEFAULT_RETRIES times) and leave it
 * in rsp_reply().  Acks are not sent while rsp_running() (see above).  Errors:
 * -RSP_ERR_TIMEOUT, -RSP_ERR_CLOSED, -RSP_ERR_TRUNCATED ("connection closed
 * in the middle of a packet"), -RSP_ERR_PROTOCOL (bad checksums, reply over
 * the parser's limit, garbage), -RSP_ERR_SYS.
 */
int rsp_recv(struct rsp_conn *c, int timeout_ms, struct kit_err *err);
/* rsp_send() of a packet that resumes the target (c, s, vCont;...), which
 * runs from then on: rsp_running() until rsp_wait_stop() returns its stop;
 * rsp_last_stop() is NULL meanwhile. */
int rsp_send_resume(struct rsp_conn *c, const void *payload, size_t len,
		    struct kit_err *err);
/* rsp_send then rsp_recv with rsp_timeout(); the reply is in rsp_reply(). */
int rsp_exchange(struct rsp_conn *c, const char *payload, size_t len,
		 struct kit_err *err);
/* The same with a printf format for the payload. */
__attribute__((format(printf, 3, 4)))
int rsp_exchangef(struct rsp_conn *c, struct kit_err *err, const char *fmt, ...);
/*
 * Ask a running target to stop: write the single byte 0x03.  Safe to call
 * from a signal handler (it only calls write(2) and sets a flag; the trace
 * line is written later by rsp_wait_stop).  0 or -RSP_ERR_SYS.
 */
int rsp_interrupt(struct rsp_conn *c, struct kit_err *err);
/*
 * Write bytes prepared beforehand (packets from rsp_packet_encode, a 0x03)
 * in one write, traced as one line, with no wait for acks or replies: a
 * batch whose replies the caller reads later with rsp_batch_recv().  QEMU 7.2
 * handles such a batch in order, answering each packet before it looks at
 * the next; a batch that ends with a resume leaves its last reply unacked,
 * and nothing but 0x03 may follow while the guest runs.  0, or
 * -RSP_ERR_CLOSED / -RSP_ERR_SYS / -RSP_ERR_TIMEOUT.
 */
int rsp_write_batch(struct rsp_conn *c, const void *bytes, size_t n,
		    struct kit_err *err);
/*
 * Batches: packets (and 0x03) queued, written in one go, their replies
 * read later, in order, with rsp_batch_recv():
 *
 *     struct rsp_batch b = RSP_BATCH_INIT;
 *     rsp_batch_interrupt(&b);                  0x03
 *     rsp_batch_add(&b, "p10", 3);              queued, nothing sent
 *     rsp_batch_add(&b, "vCont;c", 7);
 *     rsp_batch_send(c, &b, err);               one write (quick-ack first)
 *     ... later: rsp_batch_recv(c, 3000, err) for the stop reply, then
 *     the 'p' reply; rsp_take_ack(c, 50) for the resume's '+'.
 *
 * A batch can be prepared once and sent many times.  The queueing
 * functions return 0, or -1 on ENOMEM.
 */
struct rsp_batch {
	struct rsp_buf bytes;   /* what one write sends */
	unsigned npackets;      /* packets queued (0x03 not counted) */
};
#define RSP_BATCH_INIT { RSP_BUF_INIT, 0 }
void rsp_batch_reset(struct rsp_batch *b);
void rsp_batch_free(struct rsp_batch *b);
int rsp_batch_interrupt(struct rsp_batch *b);
int rsp_batch_add(struct rsp_batch *b, const void *payload, size_t n);
__attribute__((format(printf, 2, 3)))
int rsp_batch_addf(struct rsp_batch *b, const char *fmt, ...);
/* rsp_write_batch() of the queued bytes (TCP_QUICKACK first when on). */
int rsp_batch_send(struct rsp_conn *c, const struct rsp_batch *b,
		   struct kit_err *err);
/* The next reply of a batch into rsp_reply(), without acking it (QEMU 7.2
 * does not wait for acks; a '+' sent while the guest runs would stop it),
 * skipping 'O' console packets; errors as rsp_recv(). */
int rsp_batch_recv(struct rsp_conn *c, int timeout_ms, struct kit_err *err);
/* The default trace sink: "rsp: LINE\n" on stderr. */
void rsp_trace_stderr(void *ctx, const char *line);

/* ------------------------------------------------------------------ */
/* core.c: operations.  Each needs the target stopped (else            */
/* -RSP_ERR_RUNNING) and may fail with any rsp_exchange() error, and    */
/* with -RSP_ERR_EXITED when the stub answers 'W' or 'X' instead (the   */
/* target is gone: rsp_end_state()).  Messages quote the stub escaped.  */

/* qSupported; fills rsp_features(); sends QStartNoAckMode when offered. */
int rsp_qSupported(struct rsp_conn *c, struct kit_err *err);
/* Everything a session starts with: qSupported, no-ack mode, the target
 * description (when qXfer:features:read is offered), vCont?, '?' into
 * rsp_last_stop(). */
int rsp_start(struct rsp_conn *c, struct kit_err *err);
/* qXfer:OBJECT:read:ANNEX:OFF,LEN in PacketSize chunks until an 'l' reply;
 * appends to out.  -RSP_ERR_UNSUPPORTED (empty), -RSP_ERR_TARGET (E NN),
 * -RSP_ERR_PROTOCOL (reply not m/l, a chunk longer than asked, an empty
 * 'm', the object over RSP_MAX_XFER bytes). */
int rsp_qXfer_read(struct rsp_conn *c, const char *object, const char *annex,
		   struct rsp_buf *out, struct kit_err *err);
/* Read target.xml and its includes into rsp_tdesc(). */
int rsp_read_tdesc(struct rsp_conn *c, struct kit_err *err);

/* g: read all registers into rsp_g() (the tdesc's layout), checked by
 * rsp_parse_g_reply(): a reply of any other size than the description's
 * is -RSP_ERR_PROTOCOL and leaves rsp_g() empty. */
int rsp_read_registers(struct rsp_conn *c, struct kit_err *err);
/* The same for a 'g' reply already in rsp_reply() (a 'g' sent in a batch of
 * packets whose replies are read later). */
int rsp_take_registers(struct rsp_conn *c, struct kit_err *err);
/* A register's value from the last g (first 8 bytes, little-endian).
 * -RSP_ERR_INVAL unknown name; -RSP_ERR_STATE no g read yet, register not
 * in g, or value unavailable ("xx"). */
int rsp_reg_get(struct rsp_conn *c, const char *name, uint64_t *v,
		struct kit_err *err);
/* Change a register in the rsp_g() copy (write it back with rsp_write_registers). */
int rsp_reg_set(struct rsp_conn *c, const char *name, uint64_t v,
		struct kit_err *err);
/* G: write rsp_g() back. */
int rsp_write_registers(struct rsp_conn *c, struct kit_err *err);
/* p: one register by name into buf (its bitsize/8 bytes); returns the byte
 * count.  -RSP_ERR_STATE when no description was read (QEMU answers p with
 * empty until then) or the value is unavailable; -RSP_ERR_UNSUPPORTED on an
 * empty reply; -RSP_ERR_PROTOCOL when the reply is not exactly the
 * register's size (rsp_parse_p_reply). */
ssize_t rsp_read_register(struct rsp_conn *c, const char *name, void *buf,
			  size_t bufsz, struct kit_err *err);
int rsp_read_register_u64(struct rsp_conn *c, const char *name, uint64_t *v,
			  struct kit_err *err);
/* P: write one register (v in the register's width, little-endian). */
int rsp_write_register_u64(struct rsp_conn *c, const char *name, uint64_t v,
			   struct kit_err *err);

/* m: read len bytes at addr, split so that each reply fits PacketSize.
 * -RSP_ERR_TARGET (E NN: unmapped), -RSP_ERR_PROTOCOL (reply longer than
 * asked, odd, non-hex: rsp_parse_m_reply); a short reply ends the read:
 * returns the bytes read, fewer than len (callers must check the count).
 * QEMU answers E NN for a whole request that touches any unreadable byte,
 * so after an error on a request crossing a page end the read is retried
 * up to that page end: a read that starts readable returns its readable
 * part (a short count) instead of failing. */
ssize_t rsp_read_memory(struct rsp_conn *c, uint64_t addr, void *buf,
			size_t len, struct kit_err *err);
/* M (hex) or, with binary = true, X (escaped binary): write len bytes. */
int rsp_write_memory(struct rsp_conn *c, uint64_t addr, const void *buf,
		     size_t len, bool binary, struct kit_err *err);

/* Z/z.  0; -RSP_ERR_UNSUPPORTED when the stub answered empty (that type is
 * not supported: fall back, e.g. from RSP_BP_SW to RSP_BP_HW);
 * -RSP_ERR_TARGET on "E NN" (it supports the type but failed here, e.g.
 * KVM cannot write int3 to an unmapped address: fall back too, or give up).
 * Inserted breakpoints are remembered (at most RSP_MAX_BREAKPOINTS). */
int rsp_insert_break(struct rsp_conn *c, enum rsp_bp_type type, uint64_t addr,
		     unsigned kind, struct kit_err *err);
int rsp_remove_break(struct rsp_conn *c, enum rsp_bp_type type, uint64_t addr,
		     unsigned kind, struct kit_err *err);

/* vCont?: fills rsp_vcont_has() (all false and 0 when unsupported). */
int rsp_vCont_query(struct rsp_conn *c, struct kit_err *err);
/* Send vCont;c (or c) and return at once: the target runs (rsp_running())
 * until rsp_wait_stop() returns a stop.  Does not step over a breakpoint at
 * the current pc: use rsp_resume(). */
int rsp_continue(struct rsp_conn *c, struct kit_err *err);
/*
 * Continue, first stepping over an execution breakpoint at the stop address
 * (QEMU 7.2 would stop there again at once): remove it, single-step,
 * re-insert it, then continue.  0 = running; 1 = the step itself ended in a
 * stop other than a trap (exit...), left in *st; negative on failure.
 * The stop address is the linear pc: in real mode (CR0.PE clear)
 * cs * 16 + ip, else rip (flat segments assumed); both are compared.
 */
int rsp_resume(struct rsp_conn *c, struct rsp_stop *st, struct kit_err *err);
/* Single-step (vCont;s:TID or s), stepping over a breakpoint at pc like
 * rsp_resume, and wait up to rsp_timeout() for the stop. */
int rsp_step(struct rsp_conn *c, struct rsp_stop *st, struct kit_err *err);
/*
 * Wait for the stop reply of a running target, up to timeout_ms (-1 =
 * forever).  'O' packets go to the console sink (rsp_set_console) (the stub's bytes: escape them
 * before printing).  0 with st->kind 'W' (exited) or 'X' (killed) is the
 * end of the target, not an error (see rsp_end_state()); the stub closing
 * the connection is -RSP_ERR_CLOSED or -RSP_ERR_TRUNCATED.
 * -RSP_ERR_TIMEOUT leaves the target running (send rsp_interrupt() and wait
 * again); -RSP_ERR_INTERRUPTED when the wake fd became readable (still
 * running).
 */
int rsp_wait_stop(struct rsp_conn *c, int timeout_ms, struct rsp_stop *st,
		  struct kit_err *err);
/* The stopped target's pc register (*pc) and its linear address (*linear,
 * see rsp_resume), from a fresh 'g'.  Segment bases are not in 'g': real
 * mode uses cs * 16, which is wrong only at reset (CS.base is 0xffff0000
 * until the first far jump, so 0xfffffff0 is computed as 0xffff0). */
int rsp_get_pc(struct rsp_conn *c, uint64_t *linear, uint64_t *pc,
	       struct kit_err *err);

/* qRcmd,HEX: run a monitor command, appending its output ('O' packets, or
 * a hex reply) to out until "OK".  The output is the stub's bytes as sent:
 * print it through rsp_escape(..., RSP_ESC_TEXT).  -RSP_ERR_UNSUPPORTED,
 * -RSP_ERR_TARGET, -RSP_ERR_PROTOCOL (output over RSP_MAX_MONITOR). */
int rsp_monitor(struct rsp_conn *c, const char *cmd, struct rsp_buf *out,
		struct kit_err *err);

struct rsp_thread {
	long pid;    /* -1 without multiprocess ids */
	long tid;
};
/* qfThreadInfo / qsThreadInfo until 'l'.  *list is malloc'ed.
 * -RSP_ERR_PROTOCOL past RSP_MAX_THREADS ids. */
int rsp_thread_list(struct rsp_conn *c, struct rsp_thread **list, size_t *n,
		    struct kit_err *err);
/*
 * Threads (QEMU: one per vCPU, thread id = CPU index + 1, "Thread 1.N").
 * Hg: the thread whose registers (and memory view: its page tables) 'g',
 * 'p', 'G', 'P' and 'm' read from now on, until the next stop, after which
 * QEMU reads the thread that stopped again.  rsp_resume() and rsp_step()
 * step over a breakpoint at the pc of the thread that stopped whatever is
 * selected.  -RSP_ERR_INVAL for tid <= 0, -RSP_ERR_TARGET when the stub
 * does not know the thread ("E22" from QEMU).
 */
int rsp_select_thread(struct rsp_conn *c, long tid, struct kit_err *err);
/* The thread selected with Hg since the last stop, else the stop's; 0 =
 * not known (no stop with a thread id yet). */
long rsp_selected_thread(const struct rsp_conn *c);
/* qThreadExtraInfo: the stub's words on a thread (QEMU: "CPU#1 [halted ]"),
 * decoded into buf (cut at n - 1 bytes, NUL-terminated). */
int rsp_thread_extra(struct rsp_conn *c, long tid, char *buf, size_t n,
		     struct kit_err *err);
/* '?': why the target is stopped.  QEMU removes all breakpoints on '?', so
 * this refuses with -RSP_ERR_STATE while breakpoints are inserted unless
 * force is true; forced, the breakpoint list is emptied. */
int rsp_query_halt(struct rsp_conn *c, bool force, struct rsp_stop *st,
		   struct kit_err *err);
/* D: detach (the target resumes).  k: kill; QEMU exits, so a closed
 * connection or no reply counts as success. */
int rsp_detach(struct rsp_conn *c, struct kit_err *err);
int rsp_kill(struct rsp_conn *c, struct kit_err *err);

/* An error message for a code (static string). */
const char *rsp_strerror(int code);

#endif
