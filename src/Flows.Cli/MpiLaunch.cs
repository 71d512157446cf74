namespace Flows.Cli;

/// <summary>What the MPI launcher's environment says about this process before MPI is initialised.</summary>
internal static class MpiLaunch
{
    /// <summary>This process's rank as the launcher set it (Open MPI, MPICH/PMI); 0 when not started by a launcher.</summary>
    public static int EnvironmentRank
        => int.TryParse(Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_RANK") ?? Environment.GetEnvironmentVariable("PMI_RANK"), out int r) ? r : 0;
}
