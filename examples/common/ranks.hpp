// A program that may run on several ranks (`mpirun -np N`, framework/distributed/): how it
// reports a failure, and how a program that trains on one process refuses more.
#pragma once

#include <exception>
#include <ostream>
#include <string>

namespace unroll::cli {

// Prints "PROGRAM: message" on stderr and returns the exit status (1). An error every rank meets
// alike (distributed::CollectiveError, training::NonFiniteError) is printed by rank 0 alone; any
// other, on more than one rank, is printed as "PROGRAM: rank R: message" and then ends every
// rank (MPI_Abort), so that none waits forever for this one.
int report_failure(const char* program, const std::exception& error);

// On several ranks, returns when every rank has called it (a barrier): what a rank does before
// exiting after a report every rank makes alike (a failure above, a command-line error), so that
// none exits before rank 0 has printed it — mpirun ends the job at the first non-zero exit.
void wait_for_every_rank();

// On rank 0 of several: when mpirun ends the job (SIGTERM: another rank ended or failed, or the
// job was cancelled), prints "PROGRAM: stopped by mpirun: …; the checkpoint on disk is the last
// complete one" and exits with status 143 — instead of vanishing without a word under
// `mpirun -q`. Nothing on one process.
void report_job_end(const std::string& program);

// Whether this process is rank 0 (always, on one process): the one that prints what a program
// reports.
bool is_root();
// `stream` on rank 0; on the other ranks a stream that discards what it is given (a command-line
// error every rank meets alike is printed once).
std::ostream& root_only(std::ostream& stream);

// "PROGRAM COMMAND": the program and the first argument that is not an option (its command).
std::string command_of(const std::string& program, int argc, const char* const* argv);

// distributed::CollectiveError "PROGRAM runs on one process; it was started on N (mpirun): run it
// without mpirun" when the world has more than one rank.
void require_one_process(const std::string& program);

}  // namespace unroll::cli
