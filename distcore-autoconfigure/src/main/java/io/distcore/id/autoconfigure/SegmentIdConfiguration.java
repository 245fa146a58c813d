package io.distcore.id.autoconfigure;

import org.springframework.context.annotation.Configuration;

/**
 * Placeholder filled by the SegmentId work.
 */
@Configuration(proxyBeanMethods = false)
class SegmentIdConfiguration {

}
