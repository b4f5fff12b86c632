package dev.kiln.server;

import dev.kiln.server.core.KilnMetrics;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * Every meter of one server: the registry, the {@link KilnMetrics} the parts count into, and the JVM's and process's
 * own figures (memory, GC, threads, classes, CPU, uptime, open files). Nothing static, so servers in one JVM (tests)
 * keep their own figures.
 */
final class ServerMeters implements AutoCloseable {
    final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    final KilnMetrics metrics = new KilnMetrics(registry);
    private final JvmGcMetrics gc = new JvmGcMetrics(); // listens to GC notifications until closed

    ServerMeters() {
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        gc.bindTo(registry);
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
