/* mpi_run.h — `isoreach run` under mpirun (cli/mpi_run.c; built when meson finds MPI). */
#ifndef ISR_CLI_MPI_RUN_H
#define ISR_CLI_MPI_RUN_H

#include "isoreach.h"

/* 1 when an MPI launcher started this process (OpenMPI, MPICH/PMI or PMIx variables). */
int cli_mpi_launched(void);
/* MPI_Init; *rank and *size of MPI_COMM_WORLD. 0, or -1 when MPI could not start. */
int cli_mpi_init(int *argc, char ***argv, int *rank, int *size);
void cli_mpi_finalize(void);
/* The job of a rank: its shard (opt holds --shard rank+1/size), every rank's status shared,
 * then rank 0 merges and publishes (`publish`: isr_publish's parts). A rank whose shard
 * worked fails when another did (cli_mpi_errmsg says which). */
isr_status cli_mpi_job(isr_ctx *ctx, const isr_options *opt);
void cli_mpi_set_publish(unsigned publish);
/* The message of a rank that failed for another's sake, or NULL: its own is on the context. */
const char *cli_mpi_errmsg(void);

#endif
