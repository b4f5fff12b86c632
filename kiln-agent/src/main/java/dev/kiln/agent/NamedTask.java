package dev.kiln.agent;

/** Pool threads take the name of the job they work for while they do, so a thread dump says who is who. */
final class NamedTask {
    private NamedTask() {}

    static Runnable named(String name, Runnable task) {
        return () -> {
            Thread self = Thread.currentThread();
            String poolName = self.getName();
            self.setName(name);
            try {
                task.run();
            } finally {
                self.setName(poolName);
            }
        };
    }
}
