<?php

use MediaWiki\Extension\Wikicast\AudienceResolver;
use MediaWiki\Extension\Wikicast\ChangeRows;
use MediaWiki\Extension\Wikicast\EventFactory;
use MediaWiki\Extension\Wikicast\IngestClient;
use MediaWiki\Extension\Wikicast\OperatorLogger;
use MediaWiki\Extension\Wikicast\Retraction\Retractor;
use MediaWiki\Extension\Wikicast\Sender;
use MediaWiki\Extension\Wikicast\Settings;
use MediaWiki\Extension\Wikicast\TokenFactory;
use MediaWiki\Extension\Wikicast\Watch\WatcherNotices;
use MediaWiki\Logger\LoggerFactory;
use MediaWiki\MediaWikiServices;

/** @phpcs-require-sorted-array */
return [
	'Wikicast.Audience' => static function ( MediaWikiServices $services ): AudienceResolver {
		return new AudienceResolver(
			$services->getPermissionManager(),
			$services->getGroupPermissionsLookup(),
			$services->getUserFactory(),
			$services->getHookContainer(),
			(array)$services->getMainConfig()->get( 'LogRestrictions' )
		);
	},
	'Wikicast.ChangeRows' => static function ( MediaWikiServices $services ): ChangeRows {
		$config = $services->getMainConfig();
		return new ChangeRows(
			$services->getRevisionLookup(),
			$services->getTempUserConfig(),
			$services->getUserNameUtils(),
			[
				'wiki' => $services->getService( 'Wikicast.Settings' )->wikiId,
				'server_url' => $config->get( 'CanonicalServer' ),
				'server_name' => $config->get( 'ServerName' ),
				'server_script_path' => $config->get( 'ScriptPath' ) ?: '/',
				'hide_ip_users' => $services->getTempUserConfig()->isEnabled(),
			],
			(bool)$config->get( 'UseRCPatrol' )
		);
	},
	'Wikicast.EventFactory' => static function ( MediaWikiServices $services ): EventFactory {
		return new EventFactory( $services->getService( 'Wikicast.Settings' )->wikiId );
	},
	'Wikicast.IngestClient' => static function ( MediaWikiServices $services ): IngestClient {
		return new IngestClient(
			$services->getHttpRequestFactory(),
			$services->getService( 'Wikicast.Settings' ),
			$services->getService( 'Wikicast.TokenFactory' ),
			$services->getService( 'Wikicast.Logger' )
		);
	},
	'Wikicast.Logger' => static function ( MediaWikiServices $services ): OperatorLogger {
		return new OperatorLogger( LoggerFactory::getInstance( 'Wikicast' ) );
	},
	'Wikicast.Retractor' => static function ( MediaWikiServices $services ): Retractor {
		return new Retractor(
			$services->getService( 'Wikicast.IngestClient' ),
			$services->getService( 'Wikicast.Settings' ),
			$services->getJobQueueGroup(),
			$services->getService( 'Wikicast.Logger' )
		);
	},
	'Wikicast.Sender' => static function ( MediaWikiServices $services ): Sender {
		$tokens = $services->getService( 'Wikicast.TokenFactory' );
		return new Sender(
			$services->getService( 'Wikicast.Settings' ),
			$services->getService( 'Wikicast.EventFactory' ),
			$services->getService( 'Wikicast.IngestClient' ),
			$services->getJobQueueGroup(),
			$services->getService( 'Wikicast.Logger' ),
			static function () use ( $tokens ): ?string {
				// Only a browser's request has a client to name as the sender (the seed's `from`).
				if ( MW_ENTRY_POINT === 'cli' ) {
					return null;
				}
				return $tokens->clientIdForSession( RequestContext::getMain()->getRequest()->getSession()->getId() );
			},
			static function ( string $name, int $amount ) use ( $services ): void {
				$services->getStatsdDataFactory()->updateCount( "wikicast.$name", $amount );
			}
		);
	},
	'Wikicast.Settings' => static function ( MediaWikiServices $services ): Settings {
		return Settings::fromConfig( $services->getMainConfig() );
	},
	'Wikicast.TokenFactory' => static function ( MediaWikiServices $services ): TokenFactory {
		$settings = $services->getService( 'Wikicast.Settings' );
		return new TokenFactory( $settings->wikiId, $settings->secret, $settings->secretKeyId );
	},
	'Wikicast.WatcherNotices' => static function ( MediaWikiServices $services ): WatcherNotices {
		return new WatcherNotices(
			$services->getDBLoadBalancer(),
			$services->getUserFactory(),
			$services->getUserOptionsLookup(),
			$services->getPermissionManager(),
			$services->getService( 'Wikicast.EventFactory' ),
			$services->getService( 'Wikicast.Sender' ),
			$services->getJobQueueGroup(),
			(bool)$services->getMainConfig()->get( 'WatchlistExpiry' )
		);
	},
];
