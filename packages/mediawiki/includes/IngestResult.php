<?php

namespace MediaWiki\Extension\Wikicast;

/** What one POST to ingest came to. */
class IngestResult {
	/** @var int HTTP status, 0 when ingest could not be reached */
	public $status;
	/** @var bool */
	public $ok;
	/** @var bool worth trying again later: unreachable, 429 or 5xx */
	public $retryable;
	/**
	 * @var bool ingest refused the wiki's token (401): a wrong or rotated secret, which an
	 * operator fixes; the events are held for that, never dropped at once
	 */
	public $unauthorized;
	/** @var string */
	public $error;
	/** @var array<string,mixed>|null */
	public $body;

	/**
	 * @param int $status
	 * @param array<string,mixed>|null $body
	 * @param string $error
	 */
	public function __construct( int $status, ?array $body, string $error = '' ) {
		$this->status = $status;
		$this->body = $body;
		$this->ok = $status >= 200 && $status < 300;
		$this->retryable = $status === 0 || $status === 429 || $status >= 500;
		$this->unauthorized = $status === 401;
		$this->error = $error;
	}
}
