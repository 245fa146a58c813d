package io.distcore.tcc.autoconfigure;

import io.distcore.tcc.TccBinding;
import io.distcore.tcc.TccTransaction;
import io.distcore.tcc.coordinator.RecordingParticipant;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * An application that coordinates: one {@code @TccTransaction} method enlisting local branches, and a
 * {@link RecordingParticipant} as the participant.
 */
@Configuration(proxyBeanMethods = false)
class TestOrders {

	@Bean
	RecordingParticipant recordingParticipant() {
		return new RecordingParticipant();
	}

	@Bean
	Service orderService() {
		return new Service();
	}

	static class Service {

		/**
		 * Enlists {@code branches} local branches, then returns the xid or throws.
		 */
		@TccTransaction(timeout = "30s")
		public String place(int branches, boolean fail) {
			TccBinding.ActiveTransaction transaction = TccBinding.currentTransaction();
			for (int i = 0; i < branches; i++) {
				transaction.enlist("local", "reserve" + i);
			}
			if (fail) {
				throw new IllegalStateException("refused");
			}
			return transaction.xid();
		}

	}

}
