<?php

namespace MediaWiki\Extension\Wikicast;

use Config;

/**
 * The extension's configuration, read once from `$wgWikicast*` (defaults in extension.json,
 * every setting described in the README, "For wiki operators").
 */
class Settings {
	/** @var string */
	public $wikiId;
	/** @var string */
	public $secret;
	/** @var string|null the secret's key id in the wikis file, named as `kid` in every token */
	public $secretKeyId;
	/** @var string */
	public $ingestUrl;
	/** @var string */
	public $edgeUrl;
	/** @var float */
	public $timeoutS;
	/** @var float */
	public $connectTimeoutS;
	/** @var int */
	public $tokenTtlS;
	/** @var int */
	public $ingestTokenTtlS;
	/** @var array<string,string[]> */
	public $sendPatterns;
	/** @var int */
	public $maxAttempts;
	/** @var int seconds events refused with 401 are held in the job queue before they are dropped */
	public $unauthorizedHoldS;
	/** @var bool */
	public $revokeOnBlock;

	public static function fromConfig( Config $config ): self {
		$settings = new self();
		$wikiId = $config->get( 'WikicastWikiId' );
		$settings->wikiId = is_string( $wikiId ) && $wikiId !== ''
			? $wikiId
			: $config->get( 'DBprefix' ) . $config->get( 'DBname' );
		$settings->secret = (string)$config->get( 'WikicastSecret' );
		$keyId = $config->get( 'WikicastSecretKeyId' );
		$settings->secretKeyId = is_string( $keyId ) && $keyId !== '' ? $keyId : null;
		$settings->ingestUrl = rtrim( (string)$config->get( 'WikicastIngestUrl' ), '/' );
		$edgeUrl = (string)$config->get( 'WikicastEdgeUrl' );
		$settings->edgeUrl = $edgeUrl !== '' ? $edgeUrl : $settings->ingestUrl;
		$settings->timeoutS = (float)$config->get( 'WikicastTimeout' );
		$settings->connectTimeoutS = (float)$config->get( 'WikicastConnectTimeout' );
		$settings->tokenTtlS = (int)$config->get( 'WikicastTokenTTL' );
		$settings->ingestTokenTtlS = (int)$config->get( 'WikicastIngestTokenTTL' );
		$settings->sendPatterns = (array)$config->get( 'WikicastSendPatterns' );
		$settings->maxAttempts = (int)$config->get( 'WikicastMaxAttempts' );
		$settings->unauthorizedHoldS = (int)$config->get( 'WikicastUnauthorizedHold' );
		$settings->revokeOnBlock = (bool)$config->get( 'WikicastRevokeOnBlock' );
		return $settings;
	}

	/** Without a secret nothing can be signed: the extension stays quiet (and says so in the log). */
	public function isEnabled(): bool {
		return $this->secret !== '' && $this->ingestUrl !== '';
	}

	/**
	 * The send patterns of a user: the union of those configured for each of their groups.
	 *
	 * @param string[] $groups
	 * @return string[]
	 */
	public function sendPatternsFor( array $groups ): array {
		$patterns = [];
		foreach ( $groups as $group ) {
			foreach ( (array)( $this->sendPatterns[$group] ?? [] ) as $pattern ) {
				$patterns[] = (string)$pattern;
			}
		}
		return array_values( array_unique( $patterns ) );
	}
}
