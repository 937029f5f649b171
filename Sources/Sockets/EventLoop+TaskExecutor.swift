/// Lets tasks prefer an event loop's thread (`Task(executorPreference: loop)`), so a short
/// handler and the write of its response run without crossing threads.
extension EventLoop: TaskExecutor {
    /// Runs the job on the loop thread.
    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        execute { job.runSynchronously(on: executor) }
    }
}
