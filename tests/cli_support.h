/* cli_support.h — what the suites that run the isoreach command share: a scratch folder per
 * test, a shell runner that keeps the command's stdout and stderr, and file reading. */
#ifndef ISR_CLI_SUPPORT_H
#define ISR_CLI_SUPPORT_H

extern char cli_tmp[256]; /* the current test's scratch folder */

/* Creates the scratch folder "/tmp/<prefix>-XXXXXX" (and registers GDAL's drivers). */
void cli_tmp_make(const char *prefix);
/* Unmounts any tmpfs a test mounted under it ("mnt*") and removes it. */
void cli_tmp_remove(void);
/* Runs a shell command with stdout in cli_tmp/stdout.txt and stderr in cli_tmp/stderr.txt;
 * returns its exit status, or 128 + the signal that ended it. */
int cli_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Writes cli_tmp/name from a format (fails the test when it cannot). */
void cli_put(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Runs `cmd` in cli_tmp and fails the test unless it exits 0 (a fixture step). */
void cli_sh_ok(const char *cmd);
/* A whole file as a string (the test fails if it cannot be read); free() it. */
char *cli_slurp(const char *path);
/* What the last cli_sh printed: stdout, then stderr; free() it. */
char *cli_output(void);

/* The isoreach command under test: $ISR_CLI_PATH when set (a build elsewhere), else `def`. */
const char *cli_command(const char *def);
/* Runs `ogr2ogr ARGS` in the scratch folder; the test fails if it does not succeed. */
void cli_ogr(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* What the last cli_sh wrote on stderr; free() it. */
char *cli_stderr(void);
/* Calls fn on every feature of the first layer of vector file `path` (the test fails if it
 * cannot be opened); returns how many there are. */
int cli_each_feature(const char *path, void (*fn)(void *feature, void *user), void *user);
/* The id of a process that no longer runs (a child, started and reaped). */
int cli_dead_pid(void);

#endif
