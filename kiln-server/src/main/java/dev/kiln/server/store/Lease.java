package dev.kiln.server.store;

/**
 * Whether this server owns the cluster-wide timers (giving up the jobs of agents no server sees, retention, sending
 * notifications): with several servers on one database exactly one holds it at a time, and when that one dies
 * another takes it within seconds. One server on its own database always holds it ({@link #ALWAYS}).
 */
public interface Lease extends AutoCloseable {
    /** Held for good: one server alone on its database (SQLite). */
    Lease ALWAYS = new Lease() {
        @Override
        public boolean held() {
            return true;
        }

        @Override
        public void close() {}
    };

    /** Whether this server holds it now; it may stop holding it at any moment (its database connection died). */
    boolean held();

    @Override
    void close();
}
