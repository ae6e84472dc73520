#!/bin/bash
# Run the SIS sweep on two nodes with utopya's cluster mode:
#   sbatch slurm_job.sh
# Each node's frontend runs every 2nd universe (by its index in the node
# list) into one shared run directory, named after RUN_TIMESTAMP and the job.
#SBATCH --job-name=SIS-sweep
#SBATCH --nodes=2
#SBATCH --ntasks-per-node=1          # one frontend per node ...
#SBATCH --cpus-per-task=16           # ... using the node's cores as workers
#SBATCH --time=01:00:00
#SBATCH --output=SIS-sweep-%j.out
set -euo pipefail

# The virtualenv with utopya and utopya-backend (see README.md, "Install"):
# the frontend and the model run in it on every node.
source ~/.venvs/sis/bin/activate

# All nodes must name the run directory alike.
export RUN_TIMESTAMP="$(date +%s)"

# The frontends write to ~/utopya_output (on a shared file system), or to:
# export UTOPIA_CLUSTER_MODE_OUT_DIR=/shared/scratch/$USER/utopya_output

# Sets SLURMD_NODENAME (and the job's variables) for each task; evaluation
# (the plots) is left to one `utopya eval SIS` afterwards.
srun utopya run SIS sweep.yml --cluster-mode --no-eval \
    --num-workers "${SLURM_CPUS_PER_TASK}"
