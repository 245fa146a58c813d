/**
 * TCC over HTTP: the {@link io.distcore.tcc.web.TccSigner signed} transaction headers, the interceptor and filter
 * that add them to Boot-built {@code RestClient}, {@code RestTemplate} and {@code WebClient} calls, the
 * participant's {@link io.distcore.tcc.web.TccServletFilter servlet filter} with its phase-two endpoint, the
 * {@link io.distcore.tcc.web.HttpBranchTransport http branch transport} and the
 * {@link io.distcore.tcc.web.TccTaskDecorator} that carries a transaction to other threads.
 */
package io.distcore.tcc.web;
