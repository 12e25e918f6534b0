/*
 * util: the pieces every module may use.
 *
 * - dynbuf: one growable buffer with a hard cap. Appends either succeed
 *   whole or fail with -ENOMEM (allocation) or -E2BIG (cap reached); after a
 *   failure the buffer keeps what it had and remembers the first error, so
 *   a renderer can append freely and check once at the end.
 * - rd: a bounds-checked little-endian reader over a caller-owned buffer.
 *   Every check is `off <= len && n <= len - off` before a pointer is
 *   formed; reads past the end fail with -ERANGE and leave the output
 *   untouched.
 * - md_*: the one escaper for Markdown and the YAML front matter. Hidden
 *   characters (controls, Unicode format characters, U+2028/U+2029) and
 *   invalid UTF-8 become `\xNN`; otherwise only what Markdown would act on
 *   is escaped (HTML, entities, link ends, code spans, headings and
 *   blocks), `|` becomes `\|` in table cells, code spans get a fence
 *   longer than any backtick run inside them, links are percent-encoded.
 * - winpath: the Windows form of a path below the source root.
 * - log: lowercase messages without a full stop, to stderr or syslog.
 */
#ifndef PROFILEFS_UTIL_H
#define PROFILEFS_UTIL_H

#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* ---- dynbuf --------------------------------------------------------- */

struct dynbuf {
	char *data; /* NUL-terminated when len > 0 or after db_take() */
	size_t len;
	size_t alloc;
	size_t cap; /* hard maximum of len */
	int err;    /* first error, 0 if none */
};

void db_init(struct dynbuf *b, size_t cap);
void db_free(struct dynbuf *b);
void db_reset(struct dynbuf *b);
int db_add(struct dynbuf *b, const void *p, size_t n);
int db_adds(struct dynbuf *b, const char *s);
int db_addc(struct dynbuf *b, char c);
int db_printf(struct dynbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Hands the bytes to the caller (NUL-terminated, never NULL on success). */
int db_take(struct dynbuf *b, char **out, size_t *out_len);

/* ---- rd: bounds-checked reader --------------------------------------- */

struct rd {
	const uint8_t *p;
	size_t len;
};

static inline int rd_has(const struct rd *r, size_t off, size_t n)
{
	return off <= r->len && n <= r->len - off;
}

int rd_u8(const struct rd *r, size_t off, uint8_t *out);
int rd_u16(const struct rd *r, size_t off, uint16_t *out);
int rd_u32(const struct rd *r, size_t off, uint32_t *out);
int rd_u64(const struct rd *r, size_t off, uint64_t *out);

/*
 * A reader over the n bytes at off inside r, so that a part of a file is
 * read with offsets relative to its own start and can never reach past its
 * own end. -ERANGE (and *out untouched) when they are not all inside r: no
 * pointer is formed to a slice that is not there.
 */
int rd_sub(const struct rd *r, size_t off, size_t n, struct rd *out);

/* The value of a hex digit (either case), or -1. */
int util_hexval(int c);
/* Exactly 2 * len hex digits (either case), s's n bytes, into out:
 * 0, or -EINVAL (another length, or a byte that is not a digit). */
int util_unhex(const char *s, size_t n, uint8_t *out, size_t len);

/* ---- Markdown ------------------------------------------------------- */

enum md_ctx {
	MD_TEXT = 0,  /* running text and bullets */
	MD_CELL = 1,  /* a table cell: also escapes `|` */
	MD_START = 2, /* at the start of a line or list item: also what
		       * would open a block there */
	MD_ROW = 3,   /* a row's first cell: MD_CELL | MD_START */
};

/*
 * The escaping rules are in src/util/markdown.c and docs/profile-format.md
 * ("Escaping"). Controls (C0, DEL, C1), Unicode format characters (Cf),
 * U+2028/U+2029 and invalid UTF-8 are shown as \xNN per byte everywhere.
 */
/* Text: a backslash only where Markdown would act (and | in cells). */
void md_text(struct dynbuf *b, const char *s, size_t n, enum md_ctx ctx);
/* A code span whose fence is longer than any backtick run in s. */
void md_code(struct dynbuf *b, const char *s, size_t n, enum md_ctx ctx);
/* Only the \xNN rule: for a line on a terminal (a file's name on stderr). */
void md_plain(struct dynbuf *b, const char *s, size_t n);
/* The inside of a double-quoted YAML scalar: " and \ escaped, and a < or
 * & that would open a tag or an entity as &lt; or &amp;. */
void md_yaml(struct dynbuf *b, const char *s, size_t n);

/* A link [text](url): text as md_text(); url percent-encoded but for
 * letters, digits, - . _ ~ / and the scheme and port of an http(s) URL. */
void md_link(struct dynbuf *b, const char *text, const char *url,
	     enum md_ctx ctx);
/* A link whose text is a code span of text (md_code()): [`text`](url), a
 * path shown as it is, url as md_link() writes it. */
void md_code_link(struct dynbuf *b, const char *text, const char *url);

/*
 * JSON (src/profile/json.c, docs/profile-json.md "Strings"). md_utf8()
 * appends s as valid UTF-8 in which nothing is hidden: each maximal
 * ill-formed subsequence becomes one U+FFFD, as Python's
 * bytes.decode("utf-8", "replace") does, and each hidden character (as
 * above) the text \xNN of its bytes, as the Markdown shows it.
 */
void md_utf8(struct dynbuf *b, const char *s, size_t n);

/* ---- Windows path --------------------------------------------------- */

/*
 * Appends DRIVE followed by the path relative to the source root with
 * backslashes: ("C:", "Windows/System32/x.dll") -> "C:\Windows\System32\x.dll".
 * Raw bytes: the caller escapes the result with md_code/md_text.
 */
void winpath(struct dynbuf *b, const char *drive, const char *relpath);

/* ---- file-name helpers ------------------------------------------------ */

/*
 * Every access to a source entry goes through these, so that none follows
 * a symlink that replaced a source folder (a shell's cwd inside it keeps
 * no one safe: the next lookup by name crosses the link).
 *
 * util_open_beneath: openat() of a path below dirfd that follows no
 * symlink at any component and cannot leave dirfd (openat2 RESOLVE_BENEATH
 * | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS; where openat2 is missing,
 * a walk one O_NOFOLLOW component at a time). A symlink as a leading
 * component gives ELOOP (or ENOTDIR), ".." EXDEV. -1/errno.
 */
int util_open_beneath(int dirfd, const char *relpath, int flags);

/*
 * util_open_beneath(O_PATH | O_NOFOLLOW): the entry itself, a symlink
 * included (an fd to the link, for readlinkat(fd, "") and the xattrs of
 * util_fd_path()). -1/errno.
 */
int util_path_beneath(int dirfd, const char *relpath);

/* lstat of a path below dirfd resolved as util_open_beneath() does (no
 * symlink followed, the last included). 0 or -errno. */
struct stat;
int util_lstat_beneath(int dirfd, const char *relpath, struct stat *st);

/*
 * "/proc/self/fd/N" for an fd from util_path_beneath(), for the calls that
 * have no fd form for an O_PATH fd (getxattr, listxattr): the kernel jumps
 * to the fd's own file and follows nothing further, so a symlink's fd
 * names the link, not its target. 0 or -ENAMETOOLONG.
 */
int util_fd_path(int fd, char *out, size_t size);

/* util_open_beneath() of a file to read, without touching its atime where
 * we may (O_NOATIME needs ownership or CAP_FOWNER: retried without). */
int util_open_noatime(int dirfd, const char *relpath, int flags);

/* Is the resolved absolute path `inner` equal to or below `outer`? */
int path_within(const char *inner, const char *outer);

/* Is drive a letter and a colon ("C:")? */
int drive_ok(const char *drive);

/* Final component of a '/'-separated path (pointer into path). */
const char *path_base(const char *path);

/* dir + "/" + name, or name alone when dir is the root ("" or "."),
 * malloc'ed; NULL on OOM. */
char *path_join(const char *dir, const char *name);

/* ---- log ------------------------------------------------------------ */

enum log_level { LOG_LVL_ERR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* to_syslog: after the daemon detaches, messages go to syslog */
void log_setup(int to_syslog, enum log_level max);
void log_msg(enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_err(...)   log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

/* ---- threads ----------------------------------------------------- */

/* Lowers the calling thread's priority by 10; returns the old one for
 * util_thread_restore() (work done on a thread that serves requests). */
int util_thread_nicer(void);
void util_thread_restore(int old);

/* ---- stopping long work ------------------------------------------ */

/*
 * What long work (reading a file through the digests, checking a cached
 * row, indexing) asks between chunks: go on, or stop and return the error
 * util_stop_check() gives. A deadline passed is -ETIME; check() (may be
 * NULL) gives its own error, -EINTR when nobody waits for the work any
 * more or the daemon is ending. A NULL struct util_stop never stops.
 */
struct util_stop {
	double deadline; /* CLOCK_MONOTONIC seconds; 0: none */
	int (*check)(void *arg);
	void *arg;
};

/* the processors online, at least 1 */
unsigned util_cpus(void);

/* A condition variable timed on CLOCK_MONOTONIC, and a wait on it of at
 * most ms milliseconds (for waits that ask a struct util_stop now and
 * then). */
void util_cond_init(pthread_cond_t *c);
void util_cond_wait_ms(pthread_cond_t *c, pthread_mutex_t *m, unsigned ms);

/* CLOCK_MONOTONIC in seconds */
double util_now(void);
/* a deadline seconds from now (0 seconds: none) */
double util_deadline(unsigned seconds);
/* 0: go on; else the error to stop with */
int util_stop_check(const struct util_stop *s);

#endif
