<?php

namespace MediaWiki\Extension\Wikicast;

use RuntimeException;

/**
 * A token that could not be signed or verified. `reason` is one of the stable codes
 * `no_secret`, `malformed`, `bad_signature`, `expired`, `not_yet_valid` (the same words the
 * TypeScript verifier uses where the two overlap).
 */
class JwtException extends RuntimeException {
	/** @var string */
	public $reason;

	public function __construct( string $reason, string $message ) {
		parent::__construct( $message );
		$this->reason = $reason;
	}
}
