<?php

namespace MediaWiki\Extension\Wikicast\Retraction;

use JobQueueGroup;
use JobSpecification;
use MediaWiki\Extension\Wikicast\IngestClient;
use MediaWiki\Extension\Wikicast\Sender;
use MediaWiki\Extension\Wikicast\Settings;
use Psr\Log\LoggerInterface;
use Throwable;

/**
 * Sends retractions to ingest (`POST /v1/control/retract`). A retraction must not be lost, since
 * without it the edges would keep handing out what the wiki hid: one that ingest does not take
 * goes to the job queue and is tried again with the events' back-off (Sender::retryDelayS), up
 * to $wgWikicastMaxAttempts.
 */
class Retractor {
	public const JOB_TYPE = 'wikicastRetract';

	/** @var IngestClient */
	private $ingest;
	/** @var Settings */
	private $settings;
	/** @var JobQueueGroup */
	private $jobs;
	/** @var LoggerInterface */
	private $logger;

	public function __construct( IngestClient $ingest, Settings $settings, JobQueueGroup $jobs, LoggerInterface $logger ) {
		$this->ingest = $ingest;
		$this->settings = $settings;
		$this->jobs = $jobs;
		$this->logger = $logger;
	}

	/**
	 * @param array{revisions?:array,logs?:array,topics:string[],reason?:string} $retraction
	 * @param int $attempt 1 for the first
	 */
	public function send( array $retraction, int $attempt = 1 ): void {
		try {
			$result = $this->ingest->retract( $retraction );
		} catch ( Throwable $e ) {
			$this->logger->error( 'Wikicast could not send a retraction: {message}', [ 'exception' => $e, 'message' => $e->getMessage() ] );
			$this->retryLater( $retraction, $attempt );
			return;
		}
		if ( $result->ok ) {
			return;
		}
		if ( !$result->retryable && !$result->unauthorized ) {
			// The same request would be refused again.
			$this->logger->error( 'Wikicast ingest refused a retraction: {status} {body}', [
				'status' => $result->status, 'body' => json_encode( $result->body ),
			] );
			return;
		}
		$this->logger->warning( 'Wikicast ingest did not take a retraction ({status} {error}); queued for retry', [
			'status' => $result->status, 'error' => $result->error,
		] );
		$this->retryLater( $retraction, $attempt );
	}

	private function retryLater( array $retraction, int $attempt ): void {
		if ( $this->settings->maxAttempts > 0 && $attempt >= $this->settings->maxAttempts ) {
			$this->logger->critical( 'Wikicast gave up on a retraction after {attempt} attempts: the edges may still hand out hidden fields of {retraction}', [
				'attempt' => $attempt, 'retraction' => json_encode( $retraction ),
			] );
			return;
		}
		$this->jobs->push( new JobSpecification( self::JOB_TYPE, [
			'retraction' => $retraction,
			'attempt' => $attempt + 1,
			'notBefore' => time() + Sender::retryDelayS( $attempt ),
		] ) );
	}
}
