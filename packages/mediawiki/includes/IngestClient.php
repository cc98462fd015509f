<?php

namespace MediaWiki\Extension\Wikicast;

use MediaWiki\Http\HttpRequestFactory;
use Psr\Log\LoggerInterface;

/**
 * Talks to Wikicast's ingest service over HTTP with short timeouts: `POST /v1/events` with a
 * batch of events, `POST /v1/control/revoke` when a user is blocked, and `POST /v1/control/retract`
 * when revision deletion hides what events already carried. Each request carries a
 * fresh ingest token, so no long-lived credential leaves the wiki.
 */
class IngestClient {
	public const EVENTS_PATH = '/v1/events';
	public const REVOKE_PATH = '/v1/control/revoke';
	public const RETRACT_PATH = '/v1/control/retract';

	/** @var HttpRequestFactory */
	private $http;
	/** @var Settings */
	private $settings;
	/** @var TokenFactory */
	private $tokens;
	/** @var LoggerInterface */
	private $logger;

	public function __construct( HttpRequestFactory $http, Settings $settings, TokenFactory $tokens, LoggerInterface $logger ) {
		$this->http = $http;
		$this->settings = $settings;
		$this->tokens = $tokens;
		$this->logger = $logger;
	}

	/**
	 * @param array<int,array<string,mixed>> $events
	 * @return IngestResult
	 */
	public function postEvents( array $events ): IngestResult {
		$result = $this->post( self::EVENTS_PATH, $events );
		if ( $result->ok && !empty( $result->body['invalid'] ) ) {
			// 207: the others were stored durably; a refused event would be refused again.
			$this->logger->error( 'Wikicast ingest refused some events: {invalid}', [
				'invalid' => json_encode( $result->body['invalid'] ),
			] );
		}
		return $result;
	}

	/**
	 * An authenticated request that publishes nothing (checkWikicast.php): an empty batch, which
	 * ingest refuses as empty (400 `invalid_event`) once it accepted the token, and with 401 when
	 * the secret is wrong.
	 */
	public function probe(): IngestResult {
		return $this->post( self::EVENTS_PATH, [] );
	}

	/** Asks ingest to close every live connection of this user on every edge. */
	public function revokeUser( string $userName, string $reason ): IngestResult {
		return $this->post( self::REVOKE_PATH, [ 'user' => $userName, 'reason' => $reason ] );
	}

	/**
	 * Tells every edge and reader that fields of these revisions or log entries were hidden.
	 *
	 * @param array{revisions?:array,logs?:array,topics:string[],reason?:string} $retraction
	 * @return IngestResult
	 */
	public function retract( array $retraction ): IngestResult {
		return $this->post( self::RETRACT_PATH, $retraction );
	}

	/**
	 * @param string $path
	 * @param array<mixed> $body
	 * @return IngestResult
	 */
	private function post( string $path, array $body ): IngestResult {
		$request = $this->http->create( $this->settings->ingestUrl . $path, [
			'method' => 'POST',
			// Substituting broken UTF-8 (from another extension's message) beats retrying it forever.
			'postData' => json_encode( $body, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE
				| JSON_INVALID_UTF8_SUBSTITUTE | JSON_THROW_ON_ERROR ),
			'timeout' => $this->settings->timeoutS,
			'connectTimeout' => $this->settings->connectTimeoutS,
			// Ingest is an internal service: never through the wiki's outgoing proxy.
			'noProxy' => true,
		], __METHOD__ );
		$request->setHeader( 'Content-Type', 'application/json' );
		$request->setHeader( 'Authorization', 'Bearer ' . $this->tokens->ingestToken( $this->settings->ingestTokenTtlS ) );
		$status = $request->execute();
		$code = (int)$request->getStatus();
		$decoded = json_decode( (string)$request->getContent(), true );
		$error = $status->isOK() ? '' : implode( '; ', array_map( static function ( $e ) {
			return is_array( $e ) ? (string)( $e['message'] ?? '' ) : (string)$e;
		}, $status->getErrors() ) );
		return new IngestResult( $code, is_array( $decoded ) ? $decoded : null, $error );
	}
}
