package io.distcore.sample.inventory;

import java.util.Map;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The demo's fault switch, mapped only with {@code sample.faults.enabled=true} (demo.sh sets it): a production
 * deployment of the sample has no way to make its confirms fail.
 */
@RestController
@RequestMapping("/demo/faults")
@ConditionalOnBooleanProperty("sample.faults.enabled")
class DemoFaultsController {

	private final ConfirmFaults confirmFaults;

	DemoFaultsController(ConfirmFaults confirmFaults) {
		this.confirmFaults = confirmFaults;
	}

	/**
	 * Makes this instance's next {@code count} confirms fail (0 disarms).
	 */
	@PostMapping("/confirm-failures")
	Map<String, Integer> armConfirmFailures(@RequestParam @Min(0) @Max(100) int count) {
		this.confirmFaults.arm(count);
		return status();
	}

	@GetMapping
	Map<String, Integer> status() {
		return Map.of("confirmFailures", this.confirmFaults.remaining());
	}

}
