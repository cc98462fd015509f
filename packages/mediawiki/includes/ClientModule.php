<?php

namespace MediaWiki\Extension\Wikicast;

use Config;
use MediaWiki\MediaWikiServices;
use MediaWiki\ResourceLoader\Context;
use MediaWiki\ResourceLoader\FilePath;

/**
 * Package-file callbacks of the `ext.wikicast` ResourceLoader module: the client library's
 * classic bundle (built by packages/client, not part of this extension's source), and the
 * site-wide settings the browser needs.
 */
class ClientModule {
	/** Where the bundle is looked for when $wgWikicastClientScript is not set, in order. */
	private const BUNDLE_CANDIDATES = [
		// A release of the extension carries a copy here (see the README, "For wiki operators").
		__DIR__ . '/../resources/lib/wikicast.js',
		// A checkout of the Wikicast monorepo: the client package's build output.
		__DIR__ . '/../../client/dist/wikicast.js',
	];

	/**
	 * @param Context $context
	 * @param Config $config
	 * @return FilePath|string
	 */
	public static function bundle( Context $context, Config $config ) {
		$path = self::bundlePath( $config );
		if ( $path === null ) {
			// Only a browser's console would show the error below: tell the operator's log too.
			// ResourceLoader caches the module, so this is logged when it is built, not per page.
			MediaWikiServices::getInstance()->getService( 'Wikicast.Logger' )->warning(
				'Wikicast: the client bundle wikicast.js was not found (looked in {paths}): pages get no webSocket; set $wgWikicastClientScript',
				[ 'paths' => implode( ', ', self::candidates( $config ) ) ]
			);
			return 'mw.log.error( "Wikicast: the client bundle wikicast.js was not found; see $wgWikicastClientScript" );';
		}
		return new FilePath( basename( $path ), dirname( $path ), '' );
	}

	/** The bundle's path, or null when it is in none of the places looked in (candidates()). */
	public static function bundlePath( Config $config ): ?string {
		foreach ( self::candidates( $config ) as $candidate ) {
			if ( is_readable( $candidate ) ) {
				return realpath( $candidate ) ?: $candidate;
			}
		}
		return null;
	}

	/**
	 * @param Config $config
	 * @return string[] where the bundle is looked for: $wgWikicastClientScript, else BUNDLE_CANDIDATES
	 */
	public static function candidates( Config $config ): array {
		$configured = $config->get( 'WikicastClientScript' );
		return is_string( $configured ) && $configured !== '' ? [ $configured ] : self::BUNDLE_CANDIDATES;
	}

	/**
	 * @param Context $context
	 * @param Config $config
	 * @return array<string,mixed>
	 */
	public static function settings( Context $context, Config $config ): array {
		/** @var Settings $settings */
		$settings = MediaWikiServices::getInstance()->getService( 'Wikicast.Settings' );
		return [
			'url' => $settings->edgeUrl,
			'wiki' => $settings->wikiId,
			'showReaders' => (bool)$config->get( 'WikicastShowReaders' ),
			'anonymousConnections' => (bool)$config->get( 'WikicastAnonymousConnections' ),
		];
	}
}
