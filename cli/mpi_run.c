/*
 * mpi_run.c — `mpirun -np S isoreach run …`: rank r runs `--shard r+1/S` (engine/shard.c)
 * through isr_run_shard_merge, whose sync callback here shares the ranks' statuses
 * (MPI_Iallgather); when every shard finished, rank 0 merges on the model its shard loaded
 * (on --threads × the ranks of its machine: they wait meanwhile) and draws the maps; its
 * status is sent to every rank (MPI_Ibcast), so all exit with the same verdict. A rank that
 * failed makes every rank fail, naming it, and no region products are written; a rank killed
 * outright makes mpirun end the job, again before any merge. A rerun reuses every hub
 * finished (resume). Waiting ranks sleep between polls instead of spinning a core.
 *
 * MPI stays here, in the command line: libisoreach knows shards and merges, not MPI. The
 * engine's threads run inside each rank (--threads), MPI is called from the main thread only
 * (MPI_THREAD_FUNNELED is enough).
 */
#include "mpi_run.h"
#include "isoreach_publish.h"

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char g_msg[1024];
static unsigned g_publish;

int cli_mpi_launched(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", NULL};
    for (int i = 0; vars[i]; i++)
        if (getenv(vars[i]))
            return 1;
    return 0;
}

int cli_mpi_init(int *argc, char ***argv, int *rank, int *size)
{
    int provided = 0;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        return -1;
    MPI_Comm_rank(MPI_COMM_WORLD, rank);
    MPI_Comm_size(MPI_COMM_WORLD, size);
    return 0;
}

void cli_mpi_finalize(void) { MPI_Finalize(); }

void cli_mpi_set_publish(unsigned publish) { g_publish = publish; }

const char *cli_mpi_errmsg(void) { return *g_msg ? g_msg : NULL; }

/* Waits for `req` without spinning: OpenMPI's blocking calls poll a core at full speed,
 * which rank 0's merge threads need while the other ranks wait for its verdict. */
static void wait_idle(MPI_Request *req)
{
    int done = 0;
    struct timespec ms = {0, 1000000};
    while (MPI_Test(req, &done, MPI_STATUS_IGNORE) == MPI_SUCCESS && !done)
        nanosleep(&ms, NULL);
}

/* The ranks on this machine (MPI_COMM_TYPE_SHARED), this one included. */
static int local_ranks(void)
{
    MPI_Comm node;
    int n = 1;
    if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node) ==
        MPI_SUCCESS) {
        MPI_Comm_size(node, &n);
        MPI_Comm_free(&node);
    }
    return n > 0 ? n : 1;
}

/* The failed ranks of `all` as "1 (--shard 2/3), 2 (--shard 3/3)" into g_msg's tail. */
static void failed_ranks(const int *all, int size, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int r = 0; r < size && len < n; r++)
        if (all[r] != ISR_OK)
            len += (size_t)snprintf(buf + len, n - len, "%s%d (--shard %d/%d)", len ? ", " : "",
                                    r, r + 1, size);
}

/* isr_run_shard_merge's sync: every rank's status (MPI_Iallgather); a failed rank fails
 * every rank, naming it (g_msg). */
static isr_status all_ranks(void *user, isr_ctx *ctx, isr_status mine, int *local_shards)
{
    int *sync_failed = user;
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int me = (int)mine, *all = malloc((size_t)size * sizeof *all);
    if (!all)
        MPI_Abort(MPI_COMM_WORLD, 1);
    MPI_Request req;
    MPI_Iallgather(&me, 1, MPI_INT, all, 1, MPI_INT, MPI_COMM_WORLD, &req);
    wait_idle(&req);
    int nfailed = 0;
    for (int r = 0; r < size; r++)
        nfailed += all[r] != ISR_OK;
    if (!nfailed) {
        free(all);
        *local_shards = local_ranks(); /* collective: every rank is here */
        return ISR_OK;
    }
    *sync_failed = 1;
    char list[512];
    failed_ranks(all, size, list, sizeof list);
    free(all);
    if (mine == ISR_OK) {
        snprintf(g_msg, sizeof g_msg,
                 "rank %d: %s %s failed (%s), so no region products were written; run again "
                 "to resume (the hubs finished are kept)",
                 rank, nfailed == 1 ? "rank" : "ranks", list,
                 nfailed == 1 ? "see its message" : "see their messages");
        return ISR_ERR_IO;
    }
    snprintf(g_msg, sizeof g_msg, "rank %d (--shard %d/%d): %s", rank, rank + 1, size,
             isr_ctx_errmsg(ctx));
    return mine;
}

isr_status cli_mpi_job(isr_ctx *ctx, const isr_options *opt)
{
    int rank = 0, sync_failed = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    /* this rank's shard, then (rank 0) the merge on the model it loaded */
    isr_status st = isr_run_shard_merge(ctx, opt, all_ranks, &sync_failed);
    if (rank == 0 && st == ISR_OK && g_publish)
        st = isr_publish(ctx, opt, NULL, g_publish);
    int merged = (int)st;
    MPI_Request req;
    MPI_Ibcast(&merged, 1, MPI_INT, 0, MPI_COMM_WORLD, &req);
    wait_idle(&req);
    if (rank != 0 && !sync_failed && merged != ISR_OK) {
        snprintf(g_msg, sizeof g_msg,
                 "rank %d: the merge on rank 0 failed (see its message); run again to resume",
                 rank);
        return (isr_status)merged;
    }
    return st;
}
