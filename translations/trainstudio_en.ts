<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US" sourcelanguage="en_US">
<context>
    <name>TrainStudio</name>
    <message>
        <source>Cannot save the screenshot to &quot;%1&quot;: check that the folder exists and is writable and that the name ends in .png or .jpg.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>TrainStudio: browse training runs and compare their metrics.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open the experiment store at &lt;path&gt;.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>path</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Select the run &lt;id&gt; at start.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>id</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save a screenshot of the window to &lt;file&gt; once the data is loaded, then exit.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>--run expects a run ID (a positive number), not &quot;%1&quot;.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The store has no run %1; showing all runs.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>TrainStudio — %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot open the experiment store &quot;%1&quot;: %2. Check the path, or pass another store with --store.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Compute: unavailable (%1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Compute: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n run(s) in this store</source>
        <translation>
            <numerusform>%n run in this store</numerusform>
            <numerusform>%n runs in this store</numerusform>
        </translation>
    </message>
    <message>
        <source>Cannot read the runs from &quot;%1&quot;: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot read the metrics of run %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Step</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Value</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Training loss</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Test accuracy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Loss</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Accuracy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Select a run to see its charts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Running</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Finished</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Failed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 h %2 min</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 min %2 s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 %</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ID</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Experiment</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Compute</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Started</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Duration</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Do not run a coordinator for the store&apos;s jobs (another process serves them).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Start &lt;n&gt; local agents (default: 1 when the store lists no agents, else 0).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>n</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>--local-agents expects a number from 0 to 64, not &quot;%1&quot;.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Runs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Agents and jobs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>queued</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>running</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>paused</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>finished</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>failed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Address</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Host</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CPUs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>GPUs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>State</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Priority</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Agent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Attempt</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Message</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add agent…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Submit pipeline…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel job</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Agents</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Jobs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Another coordinator serves this store; jobs submitted here run on its agents.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No coordinator: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Coordinator on %1 (public key %2), %n local agent(s).</source>
        <translation>
            <numerusform>Coordinator on %1 (public key %2), %n local agent.</numerusform>
            <numerusform>Coordinator on %1 (public key %2), %n local agents.</numerusform>
        </translation>
    </message>
    <message>
        <source>No experiment store is open.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>online</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>lost</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not connected</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>local</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Submit a pipeline</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pipelines (*.json)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add agent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>gpu-box-1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>40 characters, as trainstudio-agent --show-key prints it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Address:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Public key:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The coordinator lets an agent in only with the public key it created (trainstudio-agent --init).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose a pipeline file.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The pipeline trains in one process (strategy &quot;local&quot;); choose a strategy for %1 ranks.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A parameter server job of %1 ranks with %2 servers has no worker.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Submit pipeline</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>As the pipeline says</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>All-reduce</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Parameter server</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pipeline stages</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Synchronous</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Asynchronous</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Bounded staleness (SSP)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pipeline:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ranks:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Priority:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Strategy:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Mode:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Staleness bound:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Servers:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Micro-batches:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot read the workers of run %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Workers of the run</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Worker</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Step p50 (ms)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>p90</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>p99</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Staleness</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Events</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Data (ms)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Compute (ms)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Waiting (ms)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Staleness of applied updates</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Worker %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Steps stale</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Updates</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
